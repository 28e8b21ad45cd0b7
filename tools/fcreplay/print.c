#include <string.h>
#include "print.h"
#include "print_inspect.h"

static void print_fast_commits(FILE *f, const struct fcr_result *r, bool dry_run) {
        if (!r->has_fc_area)
                return;
        if (!r->has_view || r->fc_commits == 0) {
                fprintf(f, "  fast commits: none to replay (%s)\n", r->fc_end_reason);
                return;
        }
        fprintf(f, "  fast commits: %s %zu commit(s), %zu tags:", dry_run ? "would replay" : "replayed",
                r->fc_commits, r->fc_tags_replayed);
        for (size_t i = 0; i < r->nr_kinds; i++)
                fprintf(f, "%s %zu %s", i ? "," : "", r->tags_by_kind[i].count, r->tags_by_kind[i].name);
        fprintf(f, "\n  inodes touched: %zu; blocks allocated: %zu (allocator '%s'), freed: %zu\n",
                r->inodes_touched, r->blocks_allocated, r->allocator ? r->allocator : "none", r->blocks_freed);
}

static void print_orphans(FILE *f, const struct fcr_result *r, bool dry_run) {
        size_t deleted = 0, truncated = 0, unlisted = 0, freed = 0;

        if (r->orphans_left_alone) {
                fprintf(f, "  orphans: left alone: %s\n", r->orphans_left_alone);
                return;
        }
        if (!r->orphans_released)
                return;
        for (size_t i = 0; i < r->nr_orphans; i++) {
                const char *a = r->orphans[i].action;

                deleted += !strcmp(a, "delete");
                truncated += !strcmp(a, "truncate");
                unlisted += !strcmp(a, "unlist");
                freed += r->orphans[i].blocks_freed;
        }
        fprintf(f, "  orphans: %s %zu: %zu deleted, %zu truncated to i_size (%zu blocks freed), %zu only unlisted; "
                "list emptied, %zu orphan-file block(s) emptied\n", dry_run ? "would release" : "released",
                r->nr_orphans, deleted, truncated, freed, unlisted, r->orphan_file_blocks);
        if (r->orphan_list_damage)
                fprintf(f, "  orphans: the list is damaged (%s): as the kernel's mount does, the orphans before it "
                        "%s released and the list head cleared, the filesystem %s marked with errors; "
                        "run e2fsck -f\n", r->orphan_list_damage, dry_run ? "would be" : "were",
                        dry_run ? "would be" : "is");
}

/* Fast commits and orphans reach the disk through one journal transaction. */
static void print_view(FILE *f, const struct fcr_result *r, bool dry_run) {
        if (r->journal_from_backup)
                fprintf(f, "  journal read through the superblock's backup of its inode (%s); %s\n",
                        r->journal_inode_damage, !r->journal_restored ? "the journal replay brought the inode back" :
                        dry_run ? "the inode would be restored from it" : "the inode restored from it");
        print_fast_commits(f, r, dry_run);
        print_orphans(f, r, dry_run);
        if (!r->has_view)
                return;
        fprintf(f, "  filesystem blocks %s: %zu (committed to the journal as transaction %u first)\n",
                dry_run ? "to write" : "written", r->view_blocks, r->view_tid);
        if (dry_run && r->nr_notes) {
                fprintf(f, "  plan, tag by tag:\n");
                for (size_t i = 0; i < r->nr_notes; i++) {
                        print_disk_text(f, r->notes[i]);
                        fputc('\n', f);
                }
        }
}

void print_replay(FILE *f, struct fcr_engine *e, bool dry_run) {
        const struct fcr_result *r = fcr_engine_result(e);
        const char *verb = dry_run ? "would replay" : "replayed";

        switch (r->state) {
        case FCR_STATE_NO_JOURNAL:
                fprintf(f, "%s: no journal, nothing to do\n", r->device);
                return;
        case FCR_STATE_CLEAN:
                fprintf(f, "%s: journal is clean, nothing to do\n", r->device);
                return;
        case FCR_STATE_NOT_FLAGGED:
                fprintf(f, "%s: the journal holds transactions but the filesystem does not ask for "
                        "recovery; ignored, as the kernel does\n", r->device);
                return;
        case FCR_STATE_FINISH_ONLY:
                fprintf(f, "%s: journal already empty; %s the recovery flag\n", r->device,
                        dry_run ? "would clear" : "cleared");
                print_view(f, r, dry_run);
                return;
        case FCR_STATE_REPLAY:
                break;
        }
        if (r->transactions == 0)
                fprintf(f, "%s: %s no transaction (log ended at once: %s)\n", r->device, verb, r->log_end_reason);
        else
                fprintf(f, "%s: %s %zu transaction(s), %u..%u\n", r->device, verb, r->transactions,
                        r->first_tid, r->next_tid - 1);
        fprintf(f, "  blocks: %zu written, %zu logged copies skipped as revoked (%zu revoke records)\n",
                r->jbd2_blocks, r->revoked, r->revoke_records);
        fprintf(f, "  log ended at block %u: %s\n", r->log_end_block, r->log_end_reason);
        print_view(f, r, dry_run);
        fprintf(f, "  journal %s empty with next sequence %u; recovery flag %s\n", dry_run ? "would be marked" : "marked",
                r->next_tid + 1, dry_run ? "would be cleared" : "cleared");
}
