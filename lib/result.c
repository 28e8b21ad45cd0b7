/* fcr_engine_result(): the engine's findings in one public structure,
 * for the printers, the JSON report and the daemon. */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fastcommit/fc_scan.h"
#include <fcreplay/util.h>

static int cmp_kind(const void *a, const void *b) {
        const struct fcr_tag_count *x = a, *y = b;

        return x->tag < y->tag ? -1 : x->tag > y->tag;
}

/* The tags replayed, counted by kind, in tag order. */
static int count_kinds(struct fcr_engine *e, size_t n) {
        size_t nr = 0;

        for (size_t i = 0; i < n; i++) {
                uint16_t tag = e->fc.tags[i].tag;
                const struct fcr_tag_plugin *p = fcr_plugins_tag(e->plugins, tag);
                struct fcr_tag_count *k = NULL;

                for (size_t j = 0; j < nr && !k; j++)
                        if (e->kinds[j].tag == tag)
                                k = &e->kinds[j];
                if (!k) {
                        k = FCR_PUSH(e->kinds, nr, e->cap_kinds);
                        if (!k)
                                return -ENOMEM;
                        *k = (struct fcr_tag_count) { .tag = tag, .name = p ? p->name : fc_tag_name(tag) };
                }
                k->count++;
        }
        if (nr)
                qsort(e->kinds, nr, sizeof(*e->kinds), cmp_kind);
        e->result.tags_by_kind = e->kinds;
        e->result.nr_kinds = nr;
        return 0;
}

static void fill_orphans(struct fcr_engine *e, struct fcr_result *r) {
        const struct fcr_orphans *o = &e->orphans;

        r->has_orphans = fcr_orphans_pending(o) || o->skipped[0];
        r->orphans_left_alone = o->skipped[0] ? o->skipped : NULL;
        r->orphan_list_damage = o->list_damage[0] ? o->list_damage : NULL;
        r->orphans_released = o->released;
        r->orphan_list_head = o->list_head;
        r->orphan_file_ino = o->file_ino;
        r->orphan_present = o->present;
        r->orphan_file_blocks = o->nr_blocks;
        free(e->orphan_results);
        e->orphan_results = o->n ? calloc(o->n, sizeof(*e->orphan_results)) : NULL;
        for (size_t i = 0; e->orphan_results && i < o->n; i++)
                e->orphan_results[i] = (struct fcr_orphan_result) {
                        .ino = o->v[i].ino, .in_file = o->v[i].in_file, .links = o->v[i].links,
                        .size = o->v[i].size, .action = fcr_orphan_action_str(o->v[i].action),
                        .blocks_freed = o->v[i].blocks_freed,
                };
        r->orphans = e->orphan_results;
        r->nr_orphans = e->orphan_results ? o->n : 0;
}

static void fill_view(struct fcr_engine *e, struct fcr_result *r) {
        struct fcr_replay_stats v;

        fcr_replay_stats(e->replay, &v);
        r->has_view = true;
        r->fc_tags_replayed = v.tags_done;
        r->inodes_touched = v.inodes_touched;
        r->blocks_allocated = v.blocks_allocated;
        r->blocks_freed = v.blocks_freed;
        r->view_blocks = fcr_overlay_count_written(e->overlay);
        r->view_tid = e->log.end_tid;
        r->notes = v.notes;
        r->nr_notes = v.nr_notes;
        /* Out of memory the counts by kind are left out, not the result. */
        (void) count_kinds(e, v.tags_done);
}

/* The jbd2 plan's blocks, then the fast-commit result's. */
size_t fcr_engine_blocks_to_write(const struct fcr_engine *e) {
        size_t n = e->state == FCR_STATE_REPLAY ? e->plan.nr_writes : 0;

        return n + (e->replay ? fcr_overlay_count_written(e->overlay) : 0);
}

const struct fcr_result *fcr_engine_result(struct fcr_engine *e) {
        struct fcr_result *r = &e->result;

        *r = (struct fcr_result) {
                .device = e->device, .state = e->state, .planned = e->planned, .written = e->wrote,
                .has_journal = e->has_journal, .external_journal = e->external_journal,
                .allocator = e->allocator ? e->allocator->name : NULL,
        };
        if (e->planned)
                r->blocks_to_write = fcr_engine_blocks_to_write(e);
        if (e->journal && e->journal->from_backup) {
                r->journal_from_backup = true;
                r->journal_restored = e->journal_restored;
                r->journal_inode_damage = e->journal->inode_damage;
        }
        if (e->scanned && e->has_journal) {
                r->first_tid = e->log.start_tid;
                r->next_tid = e->log.end_tid;
                r->log_end_block = e->log.end_block;
                r->log_end_reason = jbd2_end_reason_str(e->log.end_reason);
                r->has_fc_area = e->jsb.fc_end > e->jsb.fc_first;
                r->fc_commits = e->fc.nr_commits;
                r->fc_committed_tags = e->fc.nr_tags;
                r->fc_end_reason = fc_end_reason_str(e->fc.end_reason);
        }
        if (e->planned && e->state == FCR_STATE_REPLAY) {
                r->transactions = e->plan.nr_txns;
                r->logged_blocks = e->plan.nr_tags;
                r->revoked = e->plan.nr_revoked;
                r->revoke_records = e->plan.nr_revokes;
                r->jbd2_blocks = e->plan.nr_writes;
        }
        if (e->replay)
                fill_view(e, r);
        fill_orphans(e, r);
        return r;
}

void fcr_result_done(struct fcr_engine *e) {
        free(e->kinds);
        free(e->orphan_results);
        e->kinds = NULL;
        e->orphan_results = NULL;
}
