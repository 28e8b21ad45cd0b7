#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/report.h>
#include "engine.h"
#include "fastcommit/fc_format.h"
#include "journal/jbd2_format.h"
#include <fcreplay/util.h>

static void add_int(struct json_object *o, const char *k, int64_t v) {
        json_object_object_add(o, k, json_object_new_int64(v));
}
static void add_str(struct json_object *o, const char *k, const char *v) {
        json_object_object_add(o, k, json_object_new_string(v));
}
static void add_bool(struct json_object *o, const char *k, bool v) {
        json_object_object_add(o, k, json_object_new_boolean(v));
}

static struct json_object *fs_json(const struct fcr_engine *e) {
        struct json_object *o = json_object_new_object();
        struct ext2_super_block *sb = e->fs ? e->fs->super : NULL;

        if (sb) {
                add_int(o, "block_size", e->fs->blocksize);
                add_int(o, "blocks", ext2fs_blocks_count(sb));
                add_bool(o, "fast_commit", ext2fs_has_feature_fast_commit(sb));
        }
        add_bool(o, "has_journal", e->has_journal);
        add_bool(o, "needs_recovery", e->needs_recovery);
        if (e->has_journal)
                add_str(o, "journal", e->external_journal ? "external" : "internal");
        if (e->journal && e->journal->ext_path)
                add_str(o, "journal_device", e->journal->ext_path);
        if (e->journal && e->journal->from_backup) {
                add_str(o, "journal_map", "superblock_backup");
                add_str(o, "journal_inode_damage", e->journal->inode_damage);
        }
        return o;
}

static struct json_object *jsb_json(const struct jbd2_super *s) {
        struct json_object *o = json_object_new_object(), *f = json_object_new_array();
        char names[256], uuid[37], *p, *save = NULL;

        add_int(o, "version", s->blocktype == JBD2_SUPERBLOCK_V2 ? 2 : 1);
        add_int(o, "block_size", s->blocksize);
        add_int(o, "blocks", s->maxlen);
        add_int(o, "first", s->first);
        add_int(o, "sequence", s->sequence);
        add_int(o, "start", s->start);
        add_int(o, "errno", s->errnum);
        jbd2_feature_names(s, names, sizeof(names));
        for (p = strtok_r(names, " ", &save); p; p = strtok_r(NULL, " ", &save))
                json_object_array_add(f, json_object_new_string(p));
        json_object_object_add(o, "features", f);
        fcr_uuid_str(s->uuid, uuid);
        add_str(o, "uuid", uuid);
        add_int(o, "log_end", s->log_end);
        add_int(o, "fc_first", s->fc_first);
        add_int(o, "fc_blocks", s->fc_end - s->fc_first);
        return o;
}

static int revoke_json(uint64_t fs_block, uint32_t tid, void *userdata) {
        json_object_array_add(userdata, json_object_new_int64(fs_block));
        return 0;
}

static struct json_object *txn_json(struct fcr_engine *e, const struct jbd2_log *l, const struct jbd2_txn *t) {
        _cleanup_free_ uint8_t *buf = malloc(e->jsb.blocksize);
        struct json_object *o = json_object_new_object();
        struct json_object *blocks = json_object_new_array(), *revokes = json_object_new_array();

        add_int(o, "tid", t->tid);
        add_int(o, "first_block", t->first_block);
        add_int(o, "log_blocks", t->nr_log_blocks);
        add_bool(o, "committed", t->committed);
        add_bool(o, "replayed", jbd2_txn_in_replay(l, t));
        add_bool(o, "wraps", t->wraps);
        if (t->committed) {
                add_int(o, "commit_sec", t->commit_sec);
                add_int(o, "commit_nsec", t->commit_nsec);
        }
        for (size_t i = 0; i < t->nr_tags; i++) {
                const struct jbd2_tag_rec *g = &l->tags[t->first_tag + i];
                struct json_object *b = json_object_new_object();

                add_int(b, "fs_block", g->fs_block);
                add_int(b, "log_block", g->log_block);
                add_bool(b, "escaped", g->flags & JBD2_FLAG_ESCAPE);
                json_object_array_add(blocks, b);
        }
        for (size_t i = 0; buf && i < t->nr_revoke_blks; i++)
                (void) jbd2_revoke_records(e->journal, &e->jsb, &l->revoke_blks[t->first_revoke_blk + i], buf,
                                           revoke_json, revokes, NULL);
        json_object_object_add(o, "blocks", blocks);
        json_object_object_add(o, "revokes", revokes);
        return o;
}

static struct json_object *log_json(struct fcr_engine *e, const struct jbd2_log *l) {
        struct json_object *o = json_object_new_object(), *txns = json_object_new_array();

        add_int(o, "start_tid", l->start_tid);
        add_int(o, "end_tid", l->end_tid);
        add_int(o, "end_block", l->end_block);
        add_str(o, "end_reason", jbd2_end_reason_str(l->end_reason));
        json_object_object_add(o, "commit_corrupt", json_object_new_boolean(l->commit_corrupt));
        if (l->continues) {
                add_int(o, "continues_tid", l->cont_tid);
                add_int(o, "continues_block", l->cont_block);
        }
        for (size_t i = 0; i < l->nr_txns; i++)
                json_object_array_add(txns, txn_json(e, l, &l->txns[i]));
        json_object_object_add(o, "transactions", txns);
        return o;
}

/* A plugin's description of one tag, into a JSON object and a line. */
struct json_describer {
        struct fcr_tag_describer w;
        struct json_object *o;
        char text[512];
};

static void d_num(struct fcr_tag_describer *w, const char *key, uint64_t v) {
        add_int(((struct json_describer *) w)->o, key, (int64_t) v);
}

static void d_str(struct fcr_tag_describer *w, const char *key, const char *v, size_t len) {
        json_object_object_add(((struct json_describer *) w)->o, key, json_object_new_string_len(v, (int) len));
}

static void d_flag(struct fcr_tag_describer *w, const char *key, bool v) {
        add_bool(((struct json_describer *) w)->o, key, v);
}

static void d_text(struct fcr_tag_describer *w, const char *fmt, ...) {
        struct json_describer *j = (struct json_describer *) w;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(j->text, sizeof(j->text), fmt, ap);
        va_end(ap);
}

struct fc_json {
        struct fcr_engine *e;
        struct json_object *tags;
};

static int fc_tag_json(const struct fc_tag *t, bool committed, void *userdata) {
        struct fc_json *fj = userdata;
        const struct fcr_tag_plugin *p = fc_tag_is_framing(t->tag) ? NULL : fcr_engine_tag_plugin(fj->e, t->tag);
        struct json_describer j = {
                .w = { .num = d_num, .str = d_str, .flag = d_flag, .text = d_text },
                .o = json_object_new_object(),
        };
        struct fcr_fs_geometry g;
        int r;

        add_str(j.o, "tag", p ? p->name : fc_tag_name(t->tag));
        add_int(j.o, "tag_number", t->tag);
        add_int(j.o, "block", t->block);
        add_int(j.o, "offset", t->offset);
        add_int(j.o, "len", t->len);
        add_bool(j.o, "committed", committed);
        fcr_engine_geometry(fj->e, &g);
        r = fc_framing_describe(t->tag, t->value, t->len, &j.w);
        if (r == -ENOENT)
                r = p && p->describe ? p->describe(&g, t->value, t->len, &j.w) : -ENOENT;
        if (r < 0)
                snprintf(j.text, sizeof(j.text), "%u bytes%s", t->len,
                         p || fc_tag_is_framing(t->tag) ? "" : " (no plugin)");
        add_str(j.o, "text", j.text);
        json_object_array_add(fj->tags, j.o);
        return 0;
}

static struct json_object *fc_json(struct fcr_engine *e, const struct fc_log *l) {
        struct json_object *o = json_object_new_object();
        struct fc_json fj = { .e = e, .tags = json_object_new_array() };

        add_int(o, "expected_tid", l->expected_tid);
        if (l->has_head) {
                add_int(o, "head_tid", l->head_tid);
                add_int(o, "head_features", l->head_features);
        }
        add_int(o, "commits", l->nr_commits);
        add_int(o, "committed_tags", l->nr_committed);
        add_str(o, "end_reason", fc_end_reason_str(l->end_reason));
        add_int(o, "end_block", l->end_block);
        add_int(o, "end_offset", l->end_offset);
        fc_log_foreach(l, fc_tag_json, &fj);
        json_object_object_add(o, "tags", fj.tags);
        return o;
}

static struct json_object *str_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* released_key: "released" in a replay's report, "would_release" in
 * inspect's (it plans, never writes). */
static struct json_object *orphans_json(const struct fcr_result *r, const char *released_key) {
        struct json_object *j = json_object_new_object(), *v = json_object_new_array();

        add_int(j, "list_head", r->orphan_list_head);
        add_int(j, "orphan_file_inode", r->orphan_file_ino);
        add_bool(j, "orphan_present", r->orphan_present);
        json_object_object_add(j, "left_alone_because", str_or_null(r->orphans_left_alone));
        json_object_object_add(j, "list_damage", str_or_null(r->orphan_list_damage));
        add_bool(j, released_key, r->orphans_released);
        add_int(j, "orphan_file_blocks_with_entries", r->orphan_file_blocks);
        for (size_t i = 0; i < r->nr_orphans; i++) {
                const struct fcr_orphan_result *o = &r->orphans[i];
                struct json_object *x = json_object_new_object();

                add_int(x, "ino", o->ino);
                add_str(x, "source", o->in_file ? "orphan_file" : "list");
                add_int(x, "links", o->links);
                add_int(x, "size", o->size);
                add_str(x, "action", o->action);
                if (r->orphans_released)
                        add_int(x, "blocks_freed", o->blocks_freed);
                json_object_array_add(v, x);
        }
        json_object_object_add(j, "inodes", v);
        return j;
}

/* The orphans as on disk before any replay: what they are, and the
 * action each would get; nothing is released here. */
static struct json_object *disk_orphans_json(const struct fcr_orphans *o) {
        struct json_object *j = json_object_new_object(), *v = json_object_new_array();

        add_int(j, "list_head", o->list_head);
        add_int(j, "orphan_file_inode", o->file_ino);
        add_bool(j, "orphan_present", o->present);
        json_object_object_add(j, "left_alone_because", str_or_null(o->skipped[0] ? o->skipped : NULL));
        json_object_object_add(j, "list_damage", str_or_null(o->list_damage[0] ? o->list_damage : NULL));
        json_object_object_add(j, "orphan_file_damage", str_or_null(o->refused[0] ? o->refused : NULL));
        add_int(j, "orphan_file_blocks_with_entries", o->nr_blocks);
        for (size_t i = 0; i < o->n; i++) {
                struct json_object *x = json_object_new_object();

                add_int(x, "ino", o->v[i].ino);
                add_str(x, "source", o->v[i].in_file ? "orphan_file" : "list");
                add_int(x, "links", o->v[i].links);
                add_int(x, "size", o->v[i].size);
                add_str(x, "action", fcr_orphan_action_str(o->v[i].action));
                json_object_array_add(v, x);
        }
        json_object_object_add(j, "inodes", v);
        return j;
}

struct json_object *fcr_report_inspect(struct fcr_engine *e) {
        const struct fcr_result *r = fcr_engine_result(e);
        const struct fcr_orphans *disk = &e->orphans_on_disk;
        struct json_object *o = json_object_new_object(), *j;

        add_str(o, "device", e->device);
        add_str(o, "state", fcr_state_str(e->state));
        json_object_object_add(o, "filesystem", fs_json(e));
        if (fcr_orphans_pending(disk) || disk->skipped[0] || disk->list_damage[0] || disk->refused[0])
                json_object_object_add(o, "orphans", disk_orphans_json(disk));
        /* The plan's: the replay reads them after the journal. */
        if (r->has_orphans)
                json_object_object_add(o, "orphans_after_replay", orphans_json(r, "would_release"));
        if (e->has_journal && e->scanned) {
                j = json_object_new_object();
                json_object_object_add(j, "superblock", jsb_json(&e->jsb));
                json_object_object_add(j, "log", log_json(e, &e->log));
                json_object_object_add(j, "fast_commit", fc_json(e, &e->fc));
                json_object_object_add(o, "journal", j);
        }
        return o;
}

struct json_object *fcr_report_replay(struct fcr_engine *e) {
        const struct fcr_result *r = fcr_engine_result(e);
        struct json_object *o = json_object_new_object();

        add_str(o, "device", r->device);
        add_str(o, "state", fcr_state_str(r->state));
        add_bool(o, "written", r->written);
        if (r->journal_from_backup) {
                json_object_object_add(o, "filesystem", fs_json(e));
                add_bool(o, "journal_inode_restored", r->journal_restored);
        }
        if (r->state == FCR_STATE_REPLAY) {
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
        if (r->has_view) {
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
                json_object_object_add(o, "fast_commit", fc);
        }
        if (r->orphans_released || r->orphans_left_alone)
                json_object_object_add(o, "orphans", orphans_json(r, "released"));
        return o;
}
