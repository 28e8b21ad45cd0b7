#include <stdlib.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include "jbd2_csum.h"
#include "jbd2_format.h"
#include "jbd2_plan.h"
#include "revoke_table.h"
#include <fcreplay/util.h>

static int revoke_one(uint64_t fs_block, uint32_t tid, void *userdata) {
        revoke_table_revoke(userdata, fs_block, tid);
        return 0;
}

/* Pass two of recovery: the blocks the replayed transactions log, then
 * every revoke record of those transactions against them. */
static int revoke_table_build(struct fcr_journal *j, const struct jbd2_super *s, const struct jbd2_log *log,
                              uint8_t *buf, struct revoke_table *rt, size_t *ret_records, struct fcr_diag *d) {
        size_t records = 0;
        int r = revoke_table_init(rt, log->nr_tags);

        if (r < 0)
                return r;
        for (size_t i = 0; i < log->nr_txns; i++) {
                const struct jbd2_txn *t = &log->txns[i];

                if (!jbd2_txn_in_replay(log, t))
                        continue;
                if (t->bad_revoke)
                        return fcr_fail(d, -EUCLEAN, "journal transaction %u has a revoke block "
                                        "with an impossible record count", t->tid);
                for (size_t k = 0; k < t->nr_tags; k++)
                        revoke_table_add(rt, log->tags[t->first_tag + k].fs_block);
        }
        for (size_t i = 0; i < log->nr_txns; i++) {
                const struct jbd2_txn *t = &log->txns[i];

                if (!jbd2_txn_in_replay(log, t))
                        continue;
                for (size_t k = 0; k < t->nr_revoke_blks; k++) {
                        r = jbd2_revoke_records(j, s, &log->revoke_blks[t->first_revoke_blk + k], buf, revoke_one,
                                                rt, d);
                        if (r < 0)
                                return r;
                }
                records += t->nr_revokes;
        }
        *ret_records = records;
        return 0;
}

static int cmp_write(const void *a, const void *b) {
        const struct jbd2_write *x = a, *y = b;

        if (x->fs_block != y->fs_block)
                return x->fs_block < y->fs_block ? -1 : 1;
        /* qsort is not stable: the log order decides between copies. */
        return x->order < y->order ? -1 : x->order > y->order;
}

static int verify_tag(struct fcr_journal *j, const struct jbd2_super *s, const struct jbd2_tag_rec *tag,
                      uint8_t *buf, struct fcr_diag *d) {
        uint32_t want;
        int r;

        if (!s->csum_v2v3)
                return 0;
        r = fcr_journal_read(j, tag->log_block, buf);
        if (r < 0)
                return fcr_fail(d, r, "cannot read journal block %u: %s", tag->log_block, strerror(-r));
        want = fcr_jbd2_data_csum(s->csum_seed, tag->tid, buf, s->blocksize);
        if (!jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V3))
                want &= 0xFFFF;
        if (want != tag->csum)
                return fcr_fail(d, -EBADMSG, "journal block %u (for filesystem block %llu, transaction %u) "
                                "fails its checksum", tag->log_block, (unsigned long long) tag->fs_block, tag->tid);
        return 0;
}

int jbd2_plan_build(struct fcr_journal *j, const struct jbd2_super *s, const struct jbd2_log *log,
                    uint64_t fs_blocks, struct jbd2_plan *ret, struct fcr_diag *d) {
        struct jbd2_plan p = {};
        struct revoke_table rt = {};
        _cleanup_free_ uint8_t *buf = malloc(s->blocksize);
        size_t out = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        r = revoke_table_build(j, s, log, buf, &rt, &p.nr_revokes, d);
        if (r < 0)
                goto fail;

        for (size_t i = 0; i < log->nr_txns; i++) {
                const struct jbd2_txn *t = &log->txns[i];

                if (!jbd2_txn_in_replay(log, t))
                        continue;
                p.nr_txns++;
                for (size_t k = 0; k < t->nr_tags; k++) {
                        const struct jbd2_tag_rec *tag = &log->tags[t->first_tag + k];
                        struct jbd2_write *w;

                        p.nr_tags++;
                        if (revoke_table_revoked(&rt, tag->fs_block, tag->tid)) {
                                p.nr_revoked++;
                                continue;
                        }
                        if (tag->fs_block >= fs_blocks) {
                                r = fcr_fail(d, -EUCLEAN, "journal transaction %u logs block %llu, "
                                             "beyond the filesystem's %llu blocks", tag->tid,
                                             (unsigned long long) tag->fs_block, (unsigned long long) fs_blocks);
                                goto fail;
                        }
                        r = verify_tag(j, s, tag, buf, d);
                        if (r < 0)
                                goto fail;
                        w = FCR_PUSH(p.writes, p.nr_writes, p.cap_writes);
                        if (!w) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        *w = (struct jbd2_write) {
                                .fs_block = tag->fs_block, .log_block = tag->log_block,
                                .tid = tag->tid, .escape = tag->flags & JBD2_FLAG_ESCAPE,
                                .order = p.nr_writes,
                        };
                }
        }
        /* Keep the last copy of each block, in log order. */
        if (p.nr_writes)
                qsort(p.writes, p.nr_writes, sizeof(*p.writes), cmp_write);
        for (size_t i = 0; i < p.nr_writes; i++) {
                if (out && p.writes[out - 1].fs_block == p.writes[i].fs_block)
                        p.writes[out - 1] = p.writes[i];
                else
                        p.writes[out++] = p.writes[i];
        }
        p.nr_writes = out;
        revoke_table_done(&rt);
        *ret = p;
        return 0;
fail:
        revoke_table_done(&rt);
        jbd2_plan_done(&p);
        return r;
}

void jbd2_plan_done(struct jbd2_plan *p) {
        free(p->writes);
        memset(p, 0, sizeof(*p));
}

int jbd2_plan_read(struct fcr_journal *j, const struct jbd2_plan *p, const struct jbd2_write *w, uint8_t *buf,
                   struct fcr_diag *d) {
        int r = fcr_journal_read(j, w->log_block, buf);

        if (r < 0)
                return fcr_fail(d, r, "cannot read journal block %u: %s", w->log_block, strerror(-r));
        if (w->escape)
                put_be32(buf, JBD2_MAGIC);
        if (p->fixup)
                p->fixup(w->fs_block, buf, p->fixup_data);
        return 0;
}

int jbd2_plan_apply(struct fcr_journal *j, io_channel fsio, const struct jbd2_plan *p,
                    fcr_progress_fn progress, void *userdata, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *buf = malloc(j->blocksize);
        errcode_t e;
        int r;

        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < p->nr_writes; i++) {
                const struct jbd2_write *w = &p->writes[i];

                r = jbd2_plan_read(j, p, w, buf, d);
                if (r < 0)
                        return r;
                e = io_channel_write_blk64(fsio, w->fs_block, 1, buf);
                if (e)
                        return fcr_fail(d, fcr_errcode_to_errno(e), "cannot write filesystem block %llu: %s",
                                        (unsigned long long) w->fs_block, error_message(e));
                if (progress && (i % 256 == 255 || i + 1 == p->nr_writes))
                        progress(i + 1, p->nr_writes, userdata);
        }
        e = io_channel_flush(fsio);
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot flush filesystem writes: %s", error_message(e));
        return 0;
}
