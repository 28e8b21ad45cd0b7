#include <stdlib.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include "jbd2_csum.h"
#include "jbd2_format.h"
#include "jbd2_scan.h"
#include <fcreplay/util.h>

struct walk {
        struct fcr_journal *j;
        const struct jbd2_super *s;
        struct jbd2_log *log;
        struct fcr_diag *d;
        uint8_t *buf, *data;
        uint32_t block;                 /* next log block to read */
        uint64_t steps;                 /* blocks walked, to catch a looping log */
        uint32_t crc32_sum;             /* checksum v1 running sum */
        bool need_check_commit_time;    /* a descriptor/revoke checksum failed */
        uint64_t last_commit_time;
        struct jbd2_txn *txn;           /* the transaction being walked */
};

const char *jbd2_end_reason_str(enum jbd2_end e) {
        switch (e) {
        case JBD2_END_CLEAN: return "journal is empty";
        case JBD2_END_NO_MAGIC: return "block without journal magic";
        case JBD2_END_SEQUENCE: return "block of an older transaction";
        case JBD2_END_UNKNOWN_TYPE: return "block of unknown type";
        case JBD2_END_COMMIT_CSUM: return "commit block checksum mismatch";
        case JBD2_END_STALE: return "stale blocks from an earlier pass";
        }
        return "unknown";
}

static uint32_t next_block(const struct jbd2_super *s, uint32_t b, bool *wrapped) {
        b++;
        /* The log wraps at the end of its own area, before the fast-commit
         * area. */
        if (b >= s->log_end) {
                b -= s->log_end - s->first;
                if (wrapped)
                        *wrapped = true;
        }
        return b;
}

/* Read the next log block into buf and advance. */
static int read_next(struct walk *w, uint8_t *buf, uint32_t *ret_block) {
        uint32_t b = w->block;
        bool wrapped = false;
        int r;

        /* A log can never hold more blocks than its area. */
        if (++w->steps > (uint64_t) (w->s->log_end - w->s->first) + 1)
                return fcr_fail(w->d, -EUCLEAN, "journal log loops: walked past the size of the log area");
        r = fcr_journal_read(w->j, b, buf);
        if (r < 0)
                return fcr_fail(w->d, r, "cannot read journal block %u: %s", b, strerror(-r));
        w->block = next_block(w->s, b, &wrapped);
        if (w->txn) {
                w->txn->nr_log_blocks++;
                w->txn->wraps |= wrapped;
        }
        if (ret_block)
                *ret_block = b;
        return 0;
}

static bool tail_csum_ok(const struct walk *w, const uint8_t *buf) {
        uint32_t bs = w->s->blocksize;

        if (!w->s->csum_v2v3)
                return true;
        return fcr_crc32c_skip(w->s->csum_seed, buf, bs, bs - JBD2_TAIL_SIZE) ==
               get_be32(buf + bs - JBD2_TAIL_SIZE);
}

static int open_txn(struct walk *w, uint32_t tid, uint32_t block) {
        struct jbd2_log *l = w->log;
        struct jbd2_txn *t;

        if (w->txn)
                return 0;
        t = FCR_PUSH(l->txns, l->nr_txns, l->cap_txns);
        if (!t)
                return -ENOMEM;
        *t = (struct jbd2_txn) {
                .tid = tid, .first_block = block, .nr_log_blocks = 1,
                .first_tag = l->nr_tags, .first_revoke_blk = l->nr_revoke_blks,
        };
        w->txn = t;
        return 0;
}

static int walk_descriptor(struct walk *w, const uint8_t *buf, uint32_t tid) {
        const struct jbd2_super *s = w->s;
        uint32_t limit = s->blocksize - (s->csum_v2v3 ? JBD2_TAIL_SIZE : 0);
        bool v3 = jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V3);
        bool is64 = jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_64BIT);
        bool v1 = jbd2_has_compat(s, JBD2_FEATURE_COMPAT_CHECKSUM);
        struct jbd2_log *l = w->log;
        uint32_t off = JBD2_HEADER_SIZE;
        int r;

        if (!tail_csum_ok(w, buf))
                w->need_check_commit_time = true;
        w->txn->nr_descriptors++;
        if (v1 && !w->need_check_commit_time)
                w->crc32_sum = fcr_crc32_be(w->crc32_sum, buf, s->blocksize);

        while (off + s->tag_bytes <= limit) {
                const uint8_t *t = buf + off;
                struct jbd2_tag_rec *rec;
                uint32_t flags;

                rec = FCR_PUSH(l->tags, l->nr_tags, l->cap_tags);
                if (!rec)
                        return -ENOMEM;
                flags = v3 ? get_be32(t + 4) : get_be16(t + 6);
                *rec = (struct jbd2_tag_rec) {
                        .fs_block = get_be32(t),
                        .tid = tid,
                        .flags = flags,
                        .csum = v3 ? get_be32(t + 12) : get_be16(t + 4),
                };
                if (is64)
                        rec->fs_block |= (uint64_t) get_be32(t + 8) << 32;
                w->txn->nr_tags++;
                /* The tagged block follows in the log. */
                r = read_next(w, w->data, &rec->log_block);
                if (r < 0)
                        return r;
                if (v1 && !w->need_check_commit_time)
                        w->crc32_sum = fcr_crc32_be(w->crc32_sum, w->data, s->blocksize);

                off += s->tag_bytes;
                if (!(flags & JBD2_FLAG_SAME_UUID))
                        off += 16;
                if (flags & JBD2_FLAG_LAST_TAG)
                        break;
        }
        return 0;
}

static unsigned revoke_rec_len(const struct jbd2_super *s) {
        return jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_64BIT) ? 8 : 4;
}

/* Records in a revoke block whose r_count is rcount. */
static uint32_t revoke_count(const struct jbd2_super *s, uint32_t rcount) {
        return rcount < JBD2_REVOKE_HEADER_SIZE ? 0 : (rcount - JBD2_REVOKE_HEADER_SIZE) / revoke_rec_len(s);
}

static bool revoke_count_ok(const struct jbd2_super *s, uint32_t rcount) {
        return rcount <= s->blocksize - (s->csum_v2v3 ? JBD2_TAIL_SIZE : 0);
}

static int walk_revoke(struct walk *w, const uint8_t *buf, uint32_t tid, uint32_t here) {
        uint32_t rcount = get_be32(buf + JBD2_REVOKE_COUNT);
        struct jbd2_log *l = w->log;
        struct jbd2_revoke_blk *b;

        if (!tail_csum_ok(w, buf))
                w->need_check_commit_time = true;
        if (!revoke_count_ok(w->s, rcount)) {
                w->txn->bad_revoke = true;
                return 0;
        }
        b = FCR_PUSH(l->revoke_blks, l->nr_revoke_blks, l->cap_revoke_blks);
        if (!b)
                return -ENOMEM;
        *b = (struct jbd2_revoke_blk) { .log_block = here, .tid = tid, .nr_records = revoke_count(w->s, rcount) };
        w->txn->nr_revoke_blks++;
        w->txn->nr_revokes += b->nr_records;
        l->nr_revokes += b->nr_records;
        return 0;
}

int jbd2_revoke_records(struct fcr_journal *j, const struct jbd2_super *s, const struct jbd2_revoke_blk *b,
                        uint8_t *buf, jbd2_revoke_fn fn, void *userdata, struct fcr_diag *d) {
        unsigned rec_len = revoke_rec_len(s);
        uint32_t rcount;
        int r = fcr_journal_read(j, b->log_block, buf);

        if (r < 0)
                return fcr_fail(d, r, "cannot read journal block %u: %s", b->log_block, strerror(-r));
        rcount = get_be32(buf + JBD2_REVOKE_COUNT);
        if (get_be32(buf + JBD2_H_MAGIC) != JBD2_MAGIC || get_be32(buf + JBD2_H_BLOCKTYPE) != JBD2_REVOKE_BLOCK ||
            get_be32(buf + JBD2_H_SEQUENCE) != b->tid || !revoke_count_ok(s, rcount) ||
            revoke_count(s, rcount) != b->nr_records)
                return fcr_fail(d, -EIO, "journal block %u changed since the journal was read", b->log_block);
        for (uint32_t i = 0; i < b->nr_records; i++) {
                const uint8_t *p = buf + JBD2_REVOKE_HEADER_SIZE + i * rec_len;

                r = fn(rec_len == 8 ? get_be64(p) : get_be32(p), b->tid, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Returns 1 when the commit ends the log, 0 to go on, <0 on refusal. */
static int walk_commit(struct walk *w, const uint8_t *buf, uint32_t tid, bool *have_end) {
        const struct jbd2_super *s = w->s;
        uint64_t commit_time = get_be64(buf + JBD2_COMMIT_SEC);
        bool bad = false;

        w->txn->commit_sec = commit_time;
        w->txn->commit_nsec = get_be32(buf + JBD2_COMMIT_NSEC);

        if (w->need_check_commit_time) {
                /* A descriptor or revoke block failed its checksum.  If this
                 * commit is not older than the last one, the transaction is
                 * ours and corrupt; otherwise these are stale blocks. */
                if (commit_time >= w->last_commit_time)
                        return fcr_fail(w->d, -EBADMSG,
                                        "journal transaction %u has a descriptor or revoke block "
                                        "with a bad checksum", tid);
                w->log->end_reason = JBD2_END_STALE;
                return 1;
        }
        if (jbd2_has_compat(s, JBD2_FEATURE_COMPAT_CHECKSUM)) {
                uint32_t found = get_be32(buf + JBD2_COMMIT_CHKSUM);
                uint8_t type = buf[JBD2_COMMIT_CHKSUM_TYPE], size = buf[JBD2_COMMIT_CHKSUM_SIZE];

                if (!((w->crc32_sum == found && type == JBD2_CRC32_CHKSUM && size == JBD2_CRC32_CHKSUM_SIZE) ||
                      (type == 0 && size == 0 && found == 0)))
                        bad = true;
                w->crc32_sum = ~0U;
        }
        if (!bad && s->csum_v2v3 &&
            fcr_crc32c_skip(s->csum_seed, buf, s->blocksize, JBD2_COMMIT_CHKSUM) != get_be32(buf + JBD2_COMMIT_CHKSUM))
                bad = true;
        if (bad) {
                /* As the kernel: an older commit time means stale blocks;
                 * otherwise the log ends before this transaction. */
                w->log->end_reason = commit_time < w->last_commit_time ? JBD2_END_STALE : JBD2_END_COMMIT_CSUM;
                w->log->end_tid = tid;
                /* Only async commit allows a torn last commit; otherwise
                 * the transaction is corrupt (the kernel fails the mount). */
                w->log->commit_corrupt = w->log->end_reason == JBD2_END_COMMIT_CSUM &&
                        !jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT);
                *have_end = true;
                return 1;
        }
        w->last_commit_time = commit_time;
        w->txn->committed = true;
        return 0;
}

/* A header that proves the log went on past its end: a later transaction,
 * or (without async commit, where commit blocks are written last) a commit
 * of the transaction the walk stopped in.  Only with checksums: then stale
 * blocks of an earlier journal cannot pass for ours. */
static bool continues_log(const struct walk *w, const uint8_t *buf, uint32_t end_tid) {
        const struct jbd2_super *s = w->s;
        uint32_t type = get_be32(buf + JBD2_H_BLOCKTYPE), seq = get_be32(buf + JBD2_H_SEQUENCE);
        bool async = jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT);

        if (get_be32(buf + JBD2_H_MAGIC) != JBD2_MAGIC)
                return false;
        if (type == JBD2_COMMIT_BLOCK)
                return (tid_gt(seq, end_tid) || (seq == end_tid && !async)) &&
                       fcr_crc32c_skip(s->csum_seed, buf, s->blocksize, JBD2_COMMIT_CHKSUM) ==
                       get_be32(buf + JBD2_COMMIT_CHKSUM);
        if (type == JBD2_DESCRIPTOR_BLOCK || type == JBD2_REVOKE_BLOCK)
                return tid_gt(seq, end_tid) && tail_csum_ok(w, buf);
        return false;
}

/* The kernel stops at the first block that does not continue the log.
 * When that block was damaged in the middle of the log, later committed
 * transactions, possibly already checkpointed home, follow it: replaying
 * only the part before would mix old and new metadata.  A genuine end is
 * followed by blocks of the previous pass (older transactions) or by
 * blocks never written, never by a newer transaction, so look a little
 * way past the end: up to a run of zero blocks, the start of the log, or
 * a budget that keeps the cost far below reading the whole log. */
#define LOOKAHEAD_ZERO_RUN 64
#define LOOKAHEAD_MAX 1024

static int find_continuation(struct walk *w, uint32_t end_tid) {
        const struct jbd2_super *s = w->s;
        uint32_t b = w->block, zero_run = 0;
        uint64_t left = (uint64_t) (s->log_end - s->first);
        int r;

        if (!s->csum_v2v3)
                return 0;
        if (left > LOOKAHEAD_MAX)
                left = LOOKAHEAD_MAX;
        for (; left > 0 && b != s->start && zero_run < LOOKAHEAD_ZERO_RUN; left--) {
                r = fcr_journal_read(w->j, b, w->buf);
                if (r < 0)
                        return fcr_fail(w->d, r, "cannot read journal block %u: %s", b, strerror(-r));
                if (continues_log(w, w->buf, end_tid)) {
                        w->log->continues = true;
                        w->log->cont_tid = get_be32(w->buf + JBD2_H_SEQUENCE);
                        w->log->cont_block = b;
                        return 0;
                }
                zero_run = fcr_is_zero(w->buf, s->blocksize) ? zero_run + 1 : 0;
                b = next_block(s, b, NULL);
        }
        return 0;
}

/* Whether the block at the log's head ends it: no jbd2 header, another
 * transaction's, or a type the log cannot hold here. */
static bool ends_log(const uint8_t *buf, uint32_t tid, enum jbd2_end *ret_reason) {
        uint32_t type = get_be32(buf + JBD2_H_BLOCKTYPE);

        if (get_be32(buf + JBD2_H_MAGIC) != JBD2_MAGIC)
                *ret_reason = JBD2_END_NO_MAGIC;
        else if (get_be32(buf + JBD2_H_SEQUENCE) != tid)
                *ret_reason = JBD2_END_SEQUENCE;
        else if (type != JBD2_DESCRIPTOR_BLOCK && type != JBD2_COMMIT_BLOCK && type != JBD2_REVOKE_BLOCK)
                *ret_reason = JBD2_END_UNKNOWN_TYPE;
        else
                return false;
        return true;
}

int jbd2_scan(struct fcr_journal *j, const struct jbd2_super *s, struct jbd2_log *ret,
              struct fcr_diag *d) {
        struct jbd2_log log = {
                .start_tid = s->sequence, .end_tid = s->sequence, .end_block = s->start, .next_block = s->start,
        };
        _cleanup_free_ uint8_t *buf = malloc(s->blocksize), *data = malloc(s->blocksize);
        struct walk w = {
                .j = j, .s = s, .log = &log, .d = d, .block = s->start, .crc32_sum = ~0U,
        };
        uint32_t tid = s->sequence;
        bool have_end = false;
        int r = 0;

        if (!buf || !data)
                return -ENOMEM;
        w.buf = buf;
        w.data = data;
        if (s->start == 0) {
                log.end_reason = JBD2_END_CLEAN;
                *ret = log;
                return 0;
        }

        for (;;) {
                uint32_t here = w.block, type;

                log.end_block = here;
                r = read_next(&w, buf, NULL);
                if (r < 0)
                        goto fail;
                if (ends_log(buf, tid, &log.end_reason))
                        break;
                type = get_be32(buf + JBD2_H_BLOCKTYPE);
                r = open_txn(&w, tid, here);
                if (r < 0)
                        goto fail;
                if (type == JBD2_DESCRIPTOR_BLOCK)
                        r = walk_descriptor(&w, buf, tid);
                else if (type == JBD2_REVOKE_BLOCK)
                        r = walk_revoke(&w, buf, tid, here);
                else {
                        r = walk_commit(&w, buf, tid, &have_end);
                        if (r == 0) {
                                log.next_block = w.block;
                                tid++;
                                w.txn = NULL;
                                continue;
                        }
                }
                if (r < 0)
                        goto fail;
                if (r > 0)
                        break;
        }
        if (!have_end)
                log.end_tid = tid;
        if (log.end_reason == JBD2_END_SEQUENCE && continues_log(&w, buf, log.end_tid) && s->csum_v2v3) {
                log.continues = true;
                log.cont_tid = get_be32(buf + JBD2_H_SEQUENCE);
                log.cont_block = log.end_block;
        } else if (log.end_reason != JBD2_END_CLEAN) {
                r = find_continuation(&w, log.end_tid);
                if (r < 0)
                        goto fail;
        }
        *ret = log;
        return 0;
fail:
        jbd2_log_done(&log);
        return r;
}

void jbd2_log_done(struct jbd2_log *l) {
        free(l->txns);
        free(l->tags);
        free(l->revoke_blks);
        memset(l, 0, sizeof(*l));
}
