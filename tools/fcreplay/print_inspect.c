#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <fcreplay/escape.h>
#include "print_inspect.h"

static const char *or_empty(const char *s) {
        return s ? s : "";
}

static void print_fs(FILE *f, const struct fcr_inspect *v) {
        const struct fcr_inspect_fs *fs = &v->fs;

        fprintf(f, "Filesystem %s: %u-byte blocks, %" PRIu64 " blocks, %s%s\n", or_empty(v->device),
                fs->block_size, fs->blocks,
                !fs->has_journal ? "no journal" : fs->external_journal ? "external journal" : "internal journal",
                fs->needs_recovery ? ", needs recovery" : "");
        if (fs->journal_inode_damage)
                fprintf(f, "  journal read through the superblock's backup of its inode: %s\n",
                        fs->journal_inode_damage);
}

static void print_orphan_list(FILE *f, const struct fcr_inspect_orphans *o) {
        bool on_disk = o->kind == FCR_ORPHANS_ON_DISK;

        fprintf(f, "%s: list head %u", on_disk ? "Orphans on disk now (before the journal replay)" :
                "Orphans after the journal replay (a replay would release them)", o->list_head);
        if (o->file_ino)
                fprintf(f, ", orphan file inode %u (%zu block(s) with entries)", o->file_ino, o->file_blocks);
        fprintf(f, "%s\n", o->present ? ", orphan_present set" : "");
        if (o->left_alone)
                fprintf(f, "  left alone: %s\n", o->left_alone);
        if (o->list_damage)
                fprintf(f, "  the list is damaged: %s (the orphans before it are released, the head cleared)\n",
                        o->list_damage);
        if (o->file_damage)
                fprintf(f, "  the orphan file is damaged: %s\n", o->file_damage);
        for (size_t i = 0; i < o->n; i++)
                fprintf(f, "  ino %u (%s): %u links, size %" PRIu64 ": %s\n", o->v[i].ino,
                        o->v[i].in_file ? "orphan file" : "list", o->v[i].links, o->v[i].size,
                        or_empty(o->v[i].action));
}

static void print_jsb(FILE *f, const struct fcr_inspect_jsb *s) {
        fprintf(f, "Journal superblock: v%u, %u blocks of %u bytes, first %u, sequence %u, start %u, errno %d\n",
                s->version, s->blocks, s->block_size, s->first, s->sequence, s->start, s->errnum);
        fprintf(f, "  features:");
        for (size_t i = 0; i < s->nr_features; i++)
                fprintf(f, " %s", s->features[i]);
        fprintf(f, "%s\n", s->nr_features ? "" : " (none)");
        fprintf(f, "  log area [%u, %u)", s->first, s->log_end);
        if (s->fc_blocks)
                fprintf(f, ", fast-commit area [%u, %u) (%u blocks)", s->fc_first, s->fc_first + s->fc_blocks,
                        s->fc_blocks);
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
                fprintf(f, ", committed at %" PRIu64 " s (not a calendar date)", commit_sec);
}

/* "    ... and N more WHAT, not listed" when a list was cut. */
static void print_cut(FILE *f, const char *indent, size_t listed, size_t total, const char *what) {
        if (total > listed)
                fprintf(f, "%s... and %zu more %s, not listed (inspect lists %u of each kind)\n", indent,
                        total - listed, what, FCR_INSPECT_LIST_MAX);
}

static void print_txn(FILE *f, const struct fcr_inspect_txn *t) {
        fprintf(f, "  transaction %u at log block %u: %u log blocks, %zu data, %zu revokes, %s%s", t->tid,
                t->first_block, t->log_blocks, t->blocks_total, t->revokes_total,
                t->replayed ? "replay" : t->committed ? "committed, not replayed" : "incomplete, ignored",
                t->wraps ? ", wraps" : "");
        if (t->committed)
                print_commit_time(f, t->commit_sec);
        fputc('\n', f);
        for (size_t i = 0; i < t->nr_blocks; i++)
                fprintf(f, "    block %" PRIu64 " <- log %u%s\n", t->blocks[i].fs_block, t->blocks[i].log_block,
                        t->blocks[i].escaped ? " (escaped)" : "");
        print_cut(f, "    ", t->nr_blocks, t->blocks_total, "logged blocks");
        for (size_t i = 0; i < t->nr_revokes; i++)
                fprintf(f, "    revoke %" PRIu64 "\n", t->revokes[i]);
        print_cut(f, "    ", t->nr_revokes, t->revokes_total, "revoke records");
}

static void print_log(FILE *f, const struct fcr_inspect_jsb *s, const struct fcr_inspect_log *l) {
        if (s->start == 0)
                fprintf(f, "Log: empty (s_start is 0)\n");
        else
                fprintf(f, "Log: transactions %u..%u replayable; walk ended at log block %u: %s\n", l->start_tid,
                        l->end_tid - 1, l->end_block, or_empty(l->end_reason));
        if (l->commit_corrupt)
                fprintf(f, "  DAMAGED: transaction %u has a bad commit checksum and the journal has no async commit\n",
                        l->end_tid);
        if (l->continues)
                fprintf(f, "  DAMAGED: transaction %u continues at log block %u, after the end\n", l->cont_tid,
                        l->cont_block);
        for (size_t i = 0; i < l->nr_txns; i++)
                print_txn(f, &l->txns[i]);
}

/* Each tag's plugin, or the scan for the framing, wrote its text. */
static void print_fc(FILE *f, const struct fcr_inspect_jsb *s, const struct fcr_inspect_fc *fc) {
        if (!s->fc_blocks)
                return;
        fprintf(f, "Fast-commit area: expected tid %u", fc->expected_tid);
        if (fc->has_head)
                fprintf(f, ", HEAD tid %u", fc->head_tid);
        fprintf(f, "; %zu commit(s), %zu committed tags; scan ended at [%u:%u]: %s\n", fc->commits,
                fc->committed_tags, fc->end_block, fc->end_offset, or_empty(fc->end_reason));
        for (size_t i = 0; i < fc->nr_tags; i++) {
                const struct fcr_inspect_tag *t = &fc->tags[i];

                fprintf(f, "  [%u:%u]%s %-9s ", t->block, t->offset, t->committed ? "" : " (uncommitted)",
                        or_empty(t->name));
                print_disk_text(f, or_empty(t->text));
                fputc('\n', f);
        }
        print_cut(f, "  ", fc->nr_tags, fc->tags_total, "tags");
}

void print_disk_text(FILE *f, const char *s) {
        char *e = fcr_escape_text(s, strlen(s));

        /* Out of memory: nothing rather than the raw bytes. */
        fputs(e ? e : "(text left out: out of memory)", f);
        free(e);
}

void print_inspect(FILE *f, const struct fcr_inspect *v) {
        print_fs(f, v);
        if (v->has_disk_orphans)
                print_orphan_list(f, &v->disk_orphans);
        if (v->has_planned_orphans)
                print_orphan_list(f, &v->planned_orphans);
        if (!v->fs.has_journal || !v->has_journal)
                return;
        print_jsb(f, &v->jsb);
        print_log(f, &v->jsb, &v->log);
        print_fc(f, &v->jsb, &v->fc);
}

int print_inspect_json(FILE *f, struct json_object *report) {
        struct fcr_inspect *v = NULL;
        int r = fcr_inspect_from_json(report, &v);

        if (r < 0)
                return r;
        print_inspect(f, v);
        fcr_inspect_free(v);
        return 0;
}
