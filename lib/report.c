/* The engine's findings as JSON: inspect's view (fcr_inspect_to_json) and
 * the replay's result.  Only the public face of the engine: what reports
 * show, the view and fcr_engine_result() say. */
#include <fcreplay/report.h>
#include "json_util.h"

struct json_object *fcr_report_inspect(struct fcr_engine *e) {
        struct fcr_inspect *v = NULL;
        struct json_object *o;

        if (fcr_engine_inspect(e, &v) < 0)
                return NULL;
        o = fcr_inspect_to_json(v);
        fcr_inspect_free(v);
        return o;
}

static struct json_object *fast_commits_json(const struct fcr_result *r) {
        struct json_object *fc = json_object_new_object(), *counts = json_object_new_object();
        struct json_object *notes = json_object_new_array();

        for (size_t i = 0; i < r->nr_kinds; i++)
                add_int(counts, r->tags_by_kind[i].name, r->tags_by_kind[i].count);
        add_int(fc, "commits", r->fc_commits);
        add_int(fc, "tags", r->fc_tags_replayed);
        json_object_object_add(fc, "tags_by_kind", counts);
        add_int(fc, "inodes_touched", r->inodes_touched);
        add_int(fc, "blocks_allocated", r->blocks_allocated);
        add_int(fc, "blocks_freed", r->blocks_freed);
        add_str(fc, "allocator", r->allocator ? r->allocator : "none");
        add_int(fc, "blocks_written", r->view_blocks);
        add_int(fc, "transaction", r->view_tid);
        for (size_t i = 0; i < r->nr_notes; i++)
                json_object_array_add(notes, json_object_new_string(r->notes[i]));
        json_object_object_add(fc, "plan", notes);
        return fc;
}

static void add_jbd2(struct json_object *o, const struct fcr_result *r) {
        add_int(o, "first_tid", r->first_tid);
        add_int(o, "last_tid", r->next_tid - 1);
        add_int(o, "transactions", r->transactions);
        add_int(o, "tags", r->logged_blocks);
        add_int(o, "revoked", r->revoked);
        add_int(o, "revoke_records", r->revoke_records);
        add_int(o, "blocks_written", r->jbd2_blocks);
        add_str(o, "log_end_reason", r->log_end_reason);
        add_int(o, "next_sequence", r->next_tid + 1);
        add_int(o, "fast_commits", r->fc_commits);
}

struct json_object *fcr_report_replay(struct fcr_engine *e) {
        const struct fcr_result *r = fcr_engine_result(e);
        struct json_object *o = json_object_new_object();
        struct fcr_inspect_orphans orphans;
        struct fcr_inspect_fs fs;

        add_str(o, "device", r->device);
        add_str(o, "state", fcr_state_str(r->state));
        add_bool(o, "written", r->written);
        if (r->journal_from_backup && fcr_engine_fs_view(e, &fs) >= 0) {
                json_object_object_add(o, "filesystem", fcr_fs_to_json(&fs));
                fcr_inspect_fs_done(&fs);
                add_bool(o, "journal_inode_restored", r->journal_restored);
        }
        if (r->state == FCR_STATE_REPLAY)
                add_jbd2(o, r);
        if (r->has_view)
                json_object_object_add(o, "fast_commit", fast_commits_json(r));
        if ((r->orphans_released || r->orphans_left_alone) &&
            fcr_result_orphans_view(r, FCR_ORPHANS_RELEASED, &orphans) >= 0) {
                json_object_object_add(o, "orphans", fcr_orphans_to_json(&orphans));
                fcr_inspect_orphans_done(&orphans);
        }
        return o;
}
