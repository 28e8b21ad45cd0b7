#include "fastcommit/fc_decode.h"
#include "fastcommit/fc_format.h"
#include "journal/jbd2_format.h"
#include "print.h"
#include "print_inspect.h"
#include "report.h"

/* Through the JSON report, as fcreplayctl prints the daemon's: one
 * printer for both. */
void print_inspect(FILE *f, const struct fcr_engine *e) {
        struct json_object *r = fcr_report_inspect(e);

        print_inspect_report(f, r);
        json_object_put(r);
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
