#include <time.h>
#include "fc_decode.h"
#include "fc_format.h"
#include "jbd2_format.h"
#include "print.h"

static void print_fs(FILE *f, const struct fcr_engine *e) {
        fprintf(f, "Filesystem %s: %u-byte blocks, %llu blocks, %s%s\n", e->device,
                e->fs->blocksize, (unsigned long long) ext2fs_blocks_count(e->fs->super),
                !e->has_journal ? "no journal" : e->external_journal ? "external journal" : "internal journal",
                e->needs_recovery ? ", needs recovery" : "");
        if (e->journal && e->journal->from_backup)
                fprintf(f, "  journal read through the superblock's backup of its inode: %s\n",
                        e->journal->inode_damage);
}

static void print_jsb(FILE *f, const struct jbd2_super *s) {
        char names[256];

        jbd2_feature_names(s, names, sizeof(names));
        fprintf(f, "Journal superblock: v%d, %u blocks of %u bytes, first %u, sequence %u, start %u, errno %d\n",
                s->blocktype == JBD2_SUPERBLOCK_V2 ? 2 : 1, s->maxlen, s->blocksize, s->first,
                s->sequence, s->start, s->errnum);
        fprintf(f, "  features: %s\n", names[0] ? names : "(none)");
        fprintf(f, "  log area [%u, %u)", s->first, s->log_end);
        if (s->fc_end > s->fc_first)
                fprintf(f, ", fast-commit area [%u, %u) (%u blocks)", s->fc_first, s->fc_end,
                        s->fc_end - s->fc_first);
        fputc('\n', f);
}

/* Any 64-bit value may be there (old ext3 commit blocks have leftover
 * bytes; some writers put the seconds in the high half): one that no
 * calendar date holds is shown as a number. */
static void print_commit_time(FILE *f, uint64_t commit_sec) {
        time_t sec = (time_t) commit_sec;
        char when[64];
        struct tm tm;

        if (commit_sec <= INT64_MAX && (uint64_t) sec == commit_sec && gmtime_r(&sec, &tm) &&
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
                fprintf(f, ", committed %s", when);
        else
                fprintf(f, ", committed at %llu s (not a calendar date)", (unsigned long long) commit_sec);
}

static void print_txn(FILE *f, const struct jbd2_log *l, const struct jbd2_txn *t) {
        fprintf(f, "  transaction %u at log block %u: %u log blocks, %zu data, %zu revokes, %s%s", t->tid,
                t->first_block, t->nr_log_blocks, t->nr_tags, t->nr_revokes,
                jbd2_txn_in_replay(l, t) ? "replay" : t->committed ? "committed, not replayed" : "incomplete, ignored",
                t->wraps ? ", wraps" : "");
        if (t->committed)
                print_commit_time(f, t->commit_sec);
        fputc('\n', f);
        for (size_t i = 0; i < t->nr_tags; i++) {
                const struct jbd2_tag_rec *g = &l->tags[t->first_tag + i];

                fprintf(f, "    block %llu <- log %u%s\n", (unsigned long long) g->fs_block, g->log_block,
                        g->flags & JBD2_FLAG_ESCAPE ? " (escaped)" : "");
        }
        for (size_t i = 0; i < t->nr_revokes; i++)
                fprintf(f, "    revoke %llu\n", (unsigned long long) l->revokes[t->first_revoke + i].fs_block);
}

static void print_fc_tag(FILE *f, const struct fc_tag *t, bool committed) {
        struct fc_tag_info i;

        fc_tag_decode(t, &i);
        fprintf(f, "  [%u:%u]%s %-9s", t->block, t->offset, committed ? "" : " (uncommitted)", fc_tag_name(t->tag));
        switch (t->tag) {
        case FC_TAG_ADD_RANGE:
                fprintf(f, " ino %u: blocks %u..%u -> %llu%s", i.ino, i.lblk, i.lblk + i.len - 1,
                        (unsigned long long) i.pblk, i.unwritten ? " (unwritten)" : "");
                break;
        case FC_TAG_DEL_RANGE:
                fprintf(f, " ino %u: blocks %u..+%u", i.ino, i.lblk, i.len);
                break;
        case FC_TAG_CREAT:
        case FC_TAG_LINK:
        case FC_TAG_UNLINK:
                fprintf(f, " dir %u, ino %u, name '%s'", i.parent, i.ino, i.name);
                break;
        case FC_TAG_INODE:
                fprintf(f, " ino %u: mode 0%o, links %u, size %llu (%u raw bytes)", i.ino, i.mode, i.links,
                        (unsigned long long) i.size, i.raw_size);
                break;
        case FC_TAG_PAD:
                fprintf(f, " %u bytes", t->len);
                break;
        case FC_TAG_HEAD:
                fprintf(f, " tid %u, features 0x%x", i.tid, i.features);
                break;
        case FC_TAG_TAIL:
                fprintf(f, " tid %u, crc 0x%08x", i.tid, i.crc);
                break;
        }
        fputc('\n', f);
}

static void print_fc(FILE *f, const struct jbd2_super *s, const struct fc_log *l) {
        if (s->fc_end <= s->fc_first)
                return;
        fprintf(f, "Fast-commit area: expected tid %u", l->expected_tid);
        if (l->has_head)
                fprintf(f, ", HEAD tid %u", l->head_tid);
        fprintf(f, "; %zu commit(s), %zu committed tags; scan ended at [%u:%u]: %s\n", l->nr_commits,
                l->nr_valid, l->end_block, l->end_offset, fc_end_reason_str(l->end_reason));
        for (size_t i = 0; i < l->nr_tags; i++)
                print_fc_tag(f, &l->tags[i], i < l->nr_valid);
}

static void print_orphan_list(FILE *f, const struct fcr_orphans *o) {
        fprintf(f, "Orphans on disk now (a replay reads them again after the journal): list head %u", o->list_head);
        if (o->file_ino)
                fprintf(f, ", orphan file inode %u (%zu block(s) with entries)", o->file_ino, o->nr_blocks);
        fprintf(f, "%s\n", o->present ? ", orphan_present set" : "");
        if (o->skipped[0])
                fprintf(f, "  not consistent before the replay: %s\n", o->skipped);
        for (size_t i = 0; i < o->n; i++)
                fprintf(f, "  ino %u (%s): %u links, size %llu: %s\n", o->v[i].ino, o->v[i].in_file ? "orphan file" : "list",
                        o->v[i].links, (unsigned long long) o->v[i].size, fcr_orphan_action_str(o->v[i].action));
}

void print_inspect(FILE *f, const struct fcr_engine *e) {
        const struct jbd2_log *l = &e->log;

        print_fs(f, e);
        if (fcr_orphans_pending(&e->orphans) || e->orphans.skipped[0])
                print_orphan_list(f, &e->orphans);
        if (!e->has_journal)
                return;
        print_jsb(f, &e->jsb);
        if (e->jsb.start == 0)
                fprintf(f, "Log: empty (s_start is 0)\n");
        else
                fprintf(f, "Log: transactions %u..%u replayable; walk ended at log block %u: %s\n",
                        l->start_tid, l->end_tid - 1, l->end_block, jbd2_end_reason_str(l->end_reason));
        if (l->commit_corrupt)
                fprintf(f, "  DAMAGED: transaction %u has a bad commit checksum and the journal has no async commit\n",
                        l->end_tid);
        if (l->continues)
                fprintf(f, "  DAMAGED: transaction %u continues at log block %u, after the end\n",
                        l->cont_tid, l->cont_block);
        for (size_t i = 0; i < l->nr_txns; i++)
                print_txn(f, l, &l->txns[i]);
        print_fc(f, &e->jsb, &e->fc);
}

static void print_fast_commits(FILE *f, const struct fcr_engine *e, bool dry_run) {
        const struct fcr_replay *r = e->replay;
        bool first = true;

        if (e->jsb.fc_end <= e->jsb.fc_first)
                return;
        if (!r || e->fc.nr_commits == 0) {
                fprintf(f, "  fast commits: none to replay (%s)\n", fc_end_reason_str(e->fc.end_reason));
                return;
        }
        fprintf(f, "  fast commits: %s %zu commit(s), %zu tags:", dry_run ? "would replay" : "replayed",
                e->fc.nr_commits, r->nr_tags_done);
        for (unsigned t = 1; t <= FC_TAG_MAX; t++)
                if (r->counts.replayed[t]) {
                        fprintf(f, "%s %zu %s", first ? "" : ",", r->counts.replayed[t], fc_tag_name(t));
                        first = false;
                }
        fprintf(f, "\n  inodes touched: %zu; blocks allocated: %zu (allocator '%s'), freed: %zu\n",
                r->nr_inodes_touched, r->nr_blocks_allocated, e->allocator->name, r->nr_blocks_freed);
}

static void print_orphans(FILE *f, const struct fcr_engine *e, bool dry_run) {
        const struct fcr_orphans *o = &e->orphans;
        size_t n[3] = {}, freed = 0;

        if (o->skipped[0]) {
                fprintf(f, "  orphans: left alone: %s\n", o->skipped);
                return;
        }
        if (!o->released)
                return;
        for (size_t i = 0; i < o->n; i++) {
                n[o->v[i].action]++;
                freed += o->v[i].blocks_freed;
        }
        fprintf(f, "  orphans: %s %zu: %zu deleted, %zu truncated to i_size (%zu blocks freed), %zu only unlisted; "
                "list emptied, %zu orphan-file block(s) emptied\n", dry_run ? "would release" : "released", o->n,
                n[FCR_ORPHAN_DELETE], n[FCR_ORPHAN_TRUNCATE], freed, n[FCR_ORPHAN_UNLIST], o->nr_blocks);
}

/* Fast commits and orphans reach the disk through one journal transaction. */
static void print_view(FILE *f, const struct fcr_engine *e, bool dry_run) {
        if (e->journal && e->journal->from_backup)
                fprintf(f, "  journal read through the superblock's backup of its inode (%s); %s\n",
                        e->journal->inode_damage, !e->journal_restored ? "the journal replay brought the inode back" :
                        dry_run ? "the inode would be restored from it" : "the inode restored from it");
        print_fast_commits(f, e, dry_run);
        print_orphans(f, e, dry_run);
        if (!e->replay)
                return;
        fprintf(f, "  filesystem blocks %s: %zu (committed to the journal as transaction %u first)\n",
                dry_run ? "to write" : "written", fcr_overlay_count_written(e->overlay), e->log.end_tid);
        if (dry_run && e->replay->notes)
                fprintf(f, "  plan, tag by tag:\n%s\n", e->replay->notes);
}

void print_replay(FILE *f, const struct fcr_engine *e, bool dry_run) {
        const struct jbd2_plan *p = &e->plan;
        const char *verb = dry_run ? "would replay" : "replayed";

        switch (e->state) {
        case FCR_STATE_NO_JOURNAL:
                fprintf(f, "%s: no journal, nothing to do\n", e->device);
                return;
        case FCR_STATE_CLEAN:
                fprintf(f, "%s: journal is clean, nothing to do\n", e->device);
                return;
        case FCR_STATE_NOT_FLAGGED:
                fprintf(f, "%s: the journal holds transactions but the filesystem does not ask for "
                        "recovery; ignored, as the kernel does\n", e->device);
                return;
        case FCR_STATE_FINISH_ONLY:
                fprintf(f, "%s: journal already empty; %s the recovery flag\n", e->device,
                        dry_run ? "would clear" : "cleared");
                print_view(f, e, dry_run);
                return;
        case FCR_STATE_REPLAY:
                break;
        }
        if (p->nr_txns == 0)
                fprintf(f, "%s: %s no transaction (log ended at once: %s)\n", e->device, verb,
                        jbd2_end_reason_str(e->log.end_reason));
        else
                fprintf(f, "%s: %s %zu transaction(s), %u..%u\n", e->device, verb, p->nr_txns,
                        e->log.start_tid, e->log.end_tid - 1);
        fprintf(f, "  blocks: %zu written, %zu logged copies skipped as revoked (%zu revoke records)\n",
                p->nr_writes, p->nr_revoked, p->nr_revokes);
        fprintf(f, "  log ended at block %u: %s\n", e->log.end_block, jbd2_end_reason_str(e->log.end_reason));
        print_view(f, e, dry_run);
        fprintf(f, "  journal %s empty with next sequence %u; recovery flag %s\n", dry_run ? "would be marked" : "marked",
                e->log.end_tid + 1, dry_run ? "would be cleared" : "cleared");
}
