#include <stdio.h>
#include <string.h>
#include "fastcommit/fc_decode.h"
#include "fastcommit/fc_format.h"
#include "journal/jbd2_format.h"
#include "report.h"
#include "util.h"

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

static struct json_object *txn_json(const struct jbd2_log *l, const struct jbd2_txn *t) {
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
        for (size_t i = 0; i < t->nr_revokes; i++)
                json_object_array_add(revokes, json_object_new_int64(l->revokes[t->first_revoke + i].fs_block));
        json_object_object_add(o, "blocks", blocks);
        json_object_object_add(o, "revokes", revokes);
        return o;
}

static struct json_object *log_json(const struct jbd2_log *l) {
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
                json_object_array_add(txns, txn_json(l, &l->txns[i]));
        json_object_object_add(o, "transactions", txns);
        return o;
}

static struct json_object *fc_tag_json(const struct fc_tag *t, bool valid) {
        struct json_object *o = json_object_new_object();
        struct fc_tag_info i;

        fc_tag_decode(t, &i);
        add_str(o, "tag", fc_tag_name(t->tag));
        add_int(o, "block", t->block);
        add_int(o, "offset", t->offset);
        add_int(o, "len", t->len);
        add_bool(o, "committed", valid);
        switch (t->tag) {
        case FC_TAG_ADD_RANGE:
                add_int(o, "ino", i.ino);
                add_int(o, "lblk", i.lblk);
                add_int(o, "count", i.len);
                add_int(o, "pblk", i.pblk);
                add_bool(o, "unwritten", i.unwritten);
                break;
        case FC_TAG_DEL_RANGE:
                add_int(o, "ino", i.ino);
                add_int(o, "lblk", i.lblk);
                add_int(o, "count", i.len);
                break;
        case FC_TAG_CREAT:
        case FC_TAG_LINK:
        case FC_TAG_UNLINK:
                add_int(o, "parent", i.parent);
                add_int(o, "ino", i.ino);
                add_str(o, "name", i.name);
                break;
        case FC_TAG_INODE:
                add_int(o, "ino", i.ino);
                add_int(o, "raw_size", i.raw_size);
                add_int(o, "mode", i.mode);
                add_int(o, "links", i.links);
                add_int(o, "size", i.size);
                break;
        case FC_TAG_HEAD:
                add_int(o, "features", i.features);
                add_int(o, "tid", i.tid);
                break;
        case FC_TAG_TAIL:
                add_int(o, "tid", i.tid);
                add_int(o, "crc", i.crc);
                break;
        }
        return o;
}

static struct json_object *fc_json(const struct fc_log *l) {
        struct json_object *o = json_object_new_object(), *tags = json_object_new_array();

        add_int(o, "expected_tid", l->expected_tid);
        if (l->has_head) {
                add_int(o, "head_tid", l->head_tid);
                add_int(o, "head_features", l->head_features);
        }
        add_int(o, "commits", l->nr_commits);
        add_int(o, "committed_tags", l->nr_valid);
        add_str(o, "end_reason", fc_end_reason_str(l->end_reason));
        add_int(o, "end_block", l->end_block);
        add_int(o, "end_offset", l->end_offset);
        for (size_t i = 0; i < l->nr_tags; i++)
                json_object_array_add(tags, fc_tag_json(&l->tags[i], i < l->nr_valid));
        json_object_object_add(o, "tags", tags);
        return o;
}

static struct json_object *orphans_json(const struct fcr_orphans *o) {
        struct json_object *j = json_object_new_object(), *v = json_object_new_array();

        add_int(j, "list_head", o->list_head);
        add_int(j, "orphan_file_inode", o->file_ino);
        add_bool(j, "orphan_present", o->present);
        json_object_object_add(j, "left_alone_because", o->skipped[0] ? json_object_new_string(o->skipped) : NULL);
        add_bool(j, "released", o->released);
        add_int(j, "orphan_file_blocks_with_entries", o->nr_blocks);
        for (size_t i = 0; i < o->n; i++) {
                struct json_object *x = json_object_new_object();

                add_int(x, "ino", o->v[i].ino);
                add_str(x, "source", o->v[i].in_file ? "orphan_file" : "list");
                add_int(x, "links", o->v[i].links);
                add_int(x, "size", o->v[i].size);
                add_str(x, "action", fcr_orphan_action_str(o->v[i].action));
                if (o->released)
                        add_int(x, "blocks_freed", o->v[i].blocks_freed);
                json_object_array_add(v, x);
        }
        json_object_object_add(j, "inodes", v);
        return j;
}

struct json_object *fcr_report_inspect(const struct fcr_engine *e) {
        struct json_object *o = json_object_new_object(), *j;

        add_str(o, "device", e->device);
        add_str(o, "state", fcr_state_str(e->state));
        json_object_object_add(o, "filesystem", fs_json(e));
        if (fcr_orphans_pending(&e->orphans) || e->orphans.skipped[0])
                json_object_object_add(o, "orphans", orphans_json(&e->orphans));
        if (e->has_journal && e->scanned) {
                j = json_object_new_object();
                json_object_object_add(j, "superblock", jsb_json(&e->jsb));
                json_object_object_add(j, "log", log_json(&e->log));
                json_object_object_add(j, "fast_commit", fc_json(&e->fc));
                json_object_object_add(o, "journal", j);
        }
        return o;
}

struct json_object *fcr_report_replay(const struct fcr_engine *e) {
        struct json_object *o = json_object_new_object();
        const struct jbd2_plan *p = &e->plan;

        add_str(o, "device", e->device);
        add_str(o, "state", fcr_state_str(e->state));
        add_bool(o, "written", e->applied);
        if (e->journal && e->journal->from_backup) {
                json_object_object_add(o, "filesystem", fs_json(e));
                add_bool(o, "journal_inode_restored", e->journal_restored);
        }
        if (e->state == FCR_STATE_REPLAY) {
                add_int(o, "first_tid", e->log.start_tid);
                add_int(o, "last_tid", e->log.end_tid - 1);
                add_int(o, "transactions", p->nr_txns);
                add_int(o, "tags", p->nr_tags);
                add_int(o, "revoked", p->nr_revoked);
                add_int(o, "revoke_records", p->nr_revokes);
                add_int(o, "blocks_written", p->nr_writes);
                add_str(o, "log_end_reason", jbd2_end_reason_str(e->log.end_reason));
                add_int(o, "next_sequence", e->log.end_tid + 1);
                add_int(o, "fast_commits", e->fc.nr_commits);
        }
        if (e->replay) {
                const struct fcr_replay *r = e->replay;
                struct json_object *fc = json_object_new_object(), *counts = json_object_new_object();
                struct json_object *notes = json_object_new_array();
                char *save = NULL, *copy = r->notes ? strdup(r->notes) : NULL;

                for (unsigned t = 1; t <= FC_TAG_MAX; t++)
                        if (r->counts.replayed[t])
                                add_int(counts, fc_tag_name(t), r->counts.replayed[t]);
                add_int(fc, "commits", e->fc.nr_commits);
                add_int(fc, "tags", r->nr_tags_done);
                json_object_object_add(fc, "tags_by_kind", counts);
                add_int(fc, "inodes_touched", r->nr_inodes_touched);
                add_int(fc, "blocks_allocated", r->nr_blocks_allocated);
                add_int(fc, "blocks_freed", r->nr_blocks_freed);
                add_str(fc, "allocator", e->allocator ? e->allocator->name : "none");
                add_int(fc, "blocks_written", fcr_overlay_count_written(e->overlay));
                add_int(fc, "transaction", e->log.end_tid);
                for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
                        json_object_array_add(notes, json_object_new_string(l));
                free(copy);
                json_object_object_add(fc, "plan", notes);
                json_object_object_add(o, "fast_commit", fc);
        }
        if (e->orphans.released || e->orphans.skipped[0])
                json_object_object_add(o, "orphans", orphans_json(&e->orphans));
        return o;
}
