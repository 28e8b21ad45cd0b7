/* The inspect view (<fcreplay/inspect.h>) to JSON and back, and freed.
 * Only json-c and the public headers: fcreplayctl builds this file too,
 * to print the daemon's JSON as fcreplay prints its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/inspect.h>
#include "json_util.h"

/* --- freeing ------------------------------------------------------------ */

void fcr_inspect_orphans_done(struct fcr_inspect_orphans *o) {
        for (size_t i = 0; i < o->n; i++)
                free(o->v[i].action);
        free(o->v);
        free(o->left_alone);
        free(o->list_damage);
        free(o->file_damage);
        *o = (struct fcr_inspect_orphans) {};
}

void fcr_inspect_fs_done(struct fcr_inspect_fs *fs) {
        free(fs->journal_device);
        free(fs->journal_inode_damage);
        *fs = (struct fcr_inspect_fs) {};
}

static void tag_free(struct fcr_inspect_tag *t) {
        for (size_t i = 0; i < t->nr_fields; i++) {
                free(t->fields[i].key);
                free(t->fields[i].str);
        }
        free(t->fields);
        free(t->name);
        free(t->text);
}

void fcr_inspect_free(struct fcr_inspect *v) {
        if (!v)
                return;
        free(v->device);
        free(v->state);
        fcr_inspect_fs_done(&v->fs);
        fcr_inspect_orphans_done(&v->disk_orphans);
        fcr_inspect_orphans_done(&v->planned_orphans);
        for (size_t i = 0; i < v->jsb.nr_features; i++)
                free(v->jsb.features[i]);
        free(v->jsb.features);
        free(v->jsb.uuid);
        for (size_t i = 0; i < v->log.nr_txns; i++) {
                free(v->log.txns[i].blocks);
                free(v->log.txns[i].revokes);
        }
        free(v->log.txns);
        free(v->log.end_reason);
        for (size_t i = 0; i < v->fc.nr_tags; i++)
                tag_free(&v->fc.tags[i]);
        free(v->fc.tags);
        free(v->fc.end_reason);
        free(v);
}

/* --- to JSON --------------------------------------------------------- */

struct json_object *fcr_fs_to_json(const struct fcr_inspect_fs *fs) {
        struct json_object *o = json_object_new_object();

        if (fs->opened) {
                add_int(o, "block_size", fs->block_size);
                add_int(o, "blocks", (int64_t) fs->blocks);
                add_bool(o, "fast_commit", fs->fast_commit);
        }
        add_bool(o, "has_journal", fs->has_journal);
        add_bool(o, "needs_recovery", fs->needs_recovery);
        if (fs->has_journal)
                add_str(o, "journal", fs->external_journal ? "external" : "internal");
        if (fs->journal_device)
                add_str(o, "journal_device", fs->journal_device);
        if (fs->journal_inode_damage) {
                add_str(o, "journal_map", "superblock_backup");
                add_str(o, "journal_inode_damage", fs->journal_inode_damage);
        }
        return o;
}

static const char *released_key(enum fcr_orphans_kind k) {
        return k == FCR_ORPHANS_PLANNED ? "would_release" : "released";
}

struct json_object *fcr_orphans_to_json(const struct fcr_inspect_orphans *o) {
        struct json_object *j = json_object_new_object(), *v = json_object_new_array();

        add_int(j, "list_head", o->list_head);
        add_int(j, "orphan_file_inode", o->file_ino);
        add_bool(j, "orphan_present", o->present);
        add_str_or_null(j, "left_alone_because", o->left_alone);
        add_str_or_null(j, "list_damage", o->list_damage);
        if (o->kind == FCR_ORPHANS_ON_DISK)
                add_str_or_null(j, "orphan_file_damage", o->file_damage);
        else
                add_bool(j, released_key(o->kind), o->released);
        add_int(j, "orphan_file_blocks_with_entries", o->file_blocks);
        for (size_t i = 0; i < o->n; i++) {
                const struct fcr_inspect_orphan *x = &o->v[i];
                struct json_object *e = json_object_new_object();

                add_int(e, "ino", x->ino);
                add_str(e, "source", x->in_file ? "orphan_file" : "list");
                add_int(e, "links", x->links);
                add_int(e, "size", (int64_t) x->size);
                add_str(e, "action", x->action);
                if (o->kind != FCR_ORPHANS_ON_DISK && o->released)
                        add_int(e, "blocks_freed", (int64_t) x->blocks_freed);
                json_object_array_add(v, e);
        }
        json_object_object_add(j, "inodes", v);
        return j;
}

static struct json_object *jsb_to_json(const struct fcr_inspect_jsb *s) {
        struct json_object *o = json_object_new_object(), *f = json_object_new_array();

        add_int(o, "version", s->version);
        add_int(o, "block_size", s->block_size);
        add_int(o, "blocks", s->blocks);
        add_int(o, "first", s->first);
        add_int(o, "sequence", s->sequence);
        add_int(o, "start", s->start);
        add_int(o, "errno", s->errnum);
        for (size_t i = 0; i < s->nr_features; i++)
                json_object_array_add(f, json_object_new_string(s->features[i]));
        json_object_object_add(o, "features", f);
        add_str(o, "uuid", s->uuid ? s->uuid : "");
        add_int(o, "log_end", s->log_end);
        add_int(o, "fc_first", s->fc_first);
        add_int(o, "fc_blocks", s->fc_blocks);
        return o;
}

static struct json_object *txn_to_json(const struct fcr_inspect_txn *t) {
        struct json_object *o = json_object_new_object();
        struct json_object *blocks = json_object_new_array(), *revokes = json_object_new_array();

        add_int(o, "tid", t->tid);
        add_int(o, "first_block", t->first_block);
        add_int(o, "log_blocks", t->log_blocks);
        add_bool(o, "committed", t->committed);
        add_bool(o, "replayed", t->replayed);
        add_bool(o, "wraps", t->wraps);
        if (t->committed) {
                add_int(o, "commit_sec", (int64_t) t->commit_sec);
                add_int(o, "commit_nsec", t->commit_nsec);
        }
        for (size_t i = 0; i < t->nr_blocks; i++) {
                struct json_object *b = json_object_new_object();

                add_int(b, "fs_block", (int64_t) t->blocks[i].fs_block);
                add_int(b, "log_block", t->blocks[i].log_block);
                add_bool(b, "escaped", t->blocks[i].escaped);
                json_object_array_add(blocks, b);
        }
        for (size_t i = 0; i < t->nr_revokes; i++)
                json_object_array_add(revokes, json_object_new_int64((int64_t) t->revokes[i]));
        json_object_object_add(o, "blocks", blocks);
        add_int(o, "blocks_total", t->blocks_total);
        json_object_object_add(o, "revokes", revokes);
        add_int(o, "revokes_total", t->revokes_total);
        return o;
}

static struct json_object *log_to_json(const struct fcr_inspect_log *l) {
        struct json_object *o = json_object_new_object(), *txns = json_object_new_array();

        add_int(o, "start_tid", l->start_tid);
        add_int(o, "end_tid", l->end_tid);
        add_int(o, "end_block", l->end_block);
        add_str(o, "end_reason", l->end_reason ? l->end_reason : "");
        add_bool(o, "commit_corrupt", l->commit_corrupt);
        if (l->continues) {
                add_int(o, "continues_tid", l->cont_tid);
                add_int(o, "continues_block", l->cont_block);
        }
        for (size_t i = 0; i < l->nr_txns; i++)
                json_object_array_add(txns, txn_to_json(&l->txns[i]));
        json_object_object_add(o, "transactions", txns);
        return o;
}

static struct json_object *tag_to_json(const struct fcr_inspect_tag *t) {
        struct json_object *o = json_object_new_object();

        add_str(o, "tag", t->name ? t->name : "");
        add_int(o, "tag_number", t->tag);
        add_int(o, "block", t->block);
        add_int(o, "offset", t->offset);
        add_int(o, "len", t->len);
        add_bool(o, "committed", t->committed);
        for (size_t i = 0; i < t->nr_fields; i++) {
                const struct fcr_inspect_field *f = &t->fields[i];

                if (f->type == FCR_FIELD_NUM)
                        add_int(o, f->key, (int64_t) f->num);
                else if (f->type == FCR_FIELD_FLAG)
                        add_bool(o, f->key, f->flag);
                else
                        json_object_object_add(o, f->key, json_object_new_string_len(f->str, (int) f->str_len));
        }
        add_str(o, "text", t->text ? t->text : "");
        return o;
}

static struct json_object *fc_to_json(const struct fcr_inspect_fc *f) {
        struct json_object *o = json_object_new_object(), *tags = json_object_new_array();

        add_int(o, "expected_tid", f->expected_tid);
        if (f->has_head) {
                add_int(o, "head_tid", f->head_tid);
                add_int(o, "head_features", f->head_features);
        }
        add_int(o, "commits", f->commits);
        add_int(o, "committed_tags", f->committed_tags);
        add_str(o, "end_reason", f->end_reason ? f->end_reason : "");
        add_int(o, "end_block", f->end_block);
        add_int(o, "end_offset", f->end_offset);
        for (size_t i = 0; i < f->nr_tags; i++)
                json_object_array_add(tags, tag_to_json(&f->tags[i]));
        json_object_object_add(o, "tags", tags);
        add_int(o, "tags_total", f->tags_total);
        return o;
}

struct json_object *fcr_inspect_to_json(const struct fcr_inspect *v) {
        struct json_object *o = json_object_new_object(), *j;

        add_str(o, "device", v->device ? v->device : "");
        add_str(o, "state", v->state ? v->state : "");
        json_object_object_add(o, "filesystem", fcr_fs_to_json(&v->fs));
        if (v->has_disk_orphans)
                json_object_object_add(o, "orphans", fcr_orphans_to_json(&v->disk_orphans));
        if (v->has_planned_orphans)
                json_object_object_add(o, "orphans_after_replay", fcr_orphans_to_json(&v->planned_orphans));
        if (v->has_journal) {
                j = json_object_new_object();
                json_object_object_add(j, "superblock", jsb_to_json(&v->jsb));
                json_object_object_add(j, "log", log_to_json(&v->log));
                json_object_object_add(j, "fast_commit", fc_to_json(&v->fc));
                json_object_object_add(o, "journal", j);
        }
        return o;
}

/* --- from JSON ------------------------------------------------------- */

/* Missing keys read as 0, false or NULL: the report leaves out what does
 * not apply (a HEAD tid, an external journal's path). */
static struct json_object *get(struct json_object *o, const char *key) {
        struct json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Numbers are unsigned on disk: json-c's int64 read back as uint64_t. */
static uint64_t num(struct json_object *o, const char *key) {
        return (uint64_t) json_object_get_int64(get(o, key));
}

static bool flag(struct json_object *o, const char *key) {
        return json_object_get_boolean(get(o, key));
}

/* A copy of the string at key, NULL when absent or null. */
static char *dup_str(struct json_object *o, const char *key) {
        struct json_object *s = get(o, key);

        return json_object_is_type(s, json_type_string) ? strdup(json_object_get_string(s)) : NULL;
}

static size_t len(struct json_object *o, const char *key) {
        struct json_object *a = get(o, key);

        return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static struct json_object *at(struct json_object *o, const char *key, size_t i) {
        return json_object_array_get_idx(get(o, key), i);
}

/* n zeroed elements of size, or NULL for none (n == 0 is no failure). */
static void *array_of(size_t n, size_t size, int *r) {
        void *p = n ? calloc(n, size) : NULL;

        if (n && !p)
                *r = -ENOMEM;
        return p;
}

static void fs_from_json(struct json_object *o, struct fcr_inspect_fs *fs) {
        const char *journal = json_object_get_string(get(o, "journal"));

        fs->opened = get(o, "block_size") != NULL;
        fs->block_size = (uint32_t) num(o, "block_size");
        fs->blocks = num(o, "blocks");
        fs->fast_commit = flag(o, "fast_commit");
        fs->has_journal = flag(o, "has_journal");
        fs->needs_recovery = flag(o, "needs_recovery");
        fs->external_journal = journal && !strcmp(journal, "external");
        fs->journal_device = dup_str(o, "journal_device");
        fs->journal_inode_damage = dup_str(o, "journal_inode_damage");
}

static int orphans_from_json(struct json_object *o, enum fcr_orphans_kind kind, struct fcr_inspect_orphans *ret) {
        int r = 0;

        *ret = (struct fcr_inspect_orphans) {
                .kind = kind, .list_head = (uint32_t) num(o, "list_head"),
                .file_ino = (uint32_t) num(o, "orphan_file_inode"), .present = flag(o, "orphan_present"),
                .left_alone = dup_str(o, "left_alone_because"), .list_damage = dup_str(o, "list_damage"),
                .file_damage = dup_str(o, "orphan_file_damage"), .released = flag(o, released_key(kind)),
                .file_blocks = num(o, "orphan_file_blocks_with_entries"),
        };
        ret->v = array_of(len(o, "inodes"), sizeof(*ret->v), &r);
        for (size_t i = 0; ret->v && i < len(o, "inodes"); i++) {
                struct json_object *x = at(o, "inodes", i);
                const char *source = json_object_get_string(get(x, "source"));

                ret->v[i] = (struct fcr_inspect_orphan) {
                        .ino = (uint32_t) num(x, "ino"), .in_file = source && !strcmp(source, "orphan_file"),
                        .links = (unsigned) num(x, "links"), .size = num(x, "size"),
                        .action = dup_str(x, "action"), .blocks_freed = num(x, "blocks_freed"),
                };
                ret->n = i + 1;
        }
        return r;
}

static int jsb_from_json(struct json_object *o, struct fcr_inspect_jsb *s) {
        int r = 0;

        *s = (struct fcr_inspect_jsb) {
                .version = (unsigned) num(o, "version"), .block_size = (uint32_t) num(o, "block_size"),
                .blocks = (uint32_t) num(o, "blocks"), .first = (uint32_t) num(o, "first"),
                .sequence = (uint32_t) num(o, "sequence"), .start = (uint32_t) num(o, "start"),
                .errnum = (int32_t) num(o, "errno"), .uuid = dup_str(o, "uuid"),
                .log_end = (uint32_t) num(o, "log_end"), .fc_first = (uint32_t) num(o, "fc_first"),
                .fc_blocks = (uint32_t) num(o, "fc_blocks"),
        };
        s->features = array_of(len(o, "features"), sizeof(*s->features), &r);
        for (size_t i = 0; s->features && i < len(o, "features"); i++) {
                const char *f = json_object_get_string(at(o, "features", i));

                s->features[i] = strdup(f ? f : "");
                s->nr_features = i + 1;
        }
        return r;
}

static int txn_from_json(struct json_object *o, struct fcr_inspect_txn *t) {
        int r = 0;

        *t = (struct fcr_inspect_txn) {
                .tid = (uint32_t) num(o, "tid"), .first_block = (uint32_t) num(o, "first_block"),
                .log_blocks = (uint32_t) num(o, "log_blocks"), .committed = flag(o, "committed"),
                .replayed = flag(o, "replayed"), .wraps = flag(o, "wraps"), .commit_sec = num(o, "commit_sec"),
                .commit_nsec = (uint32_t) num(o, "commit_nsec"),
                .nr_blocks = len(o, "blocks"), .nr_revokes = len(o, "revokes"),
        };
        /* A report from before the totals: what it lists is all. */
        t->blocks_total = get(o, "blocks_total") ? num(o, "blocks_total") : t->nr_blocks;
        t->revokes_total = get(o, "revokes_total") ? num(o, "revokes_total") : t->nr_revokes;
        t->blocks = array_of(t->nr_blocks, sizeof(*t->blocks), &r);
        t->revokes = array_of(t->nr_revokes, sizeof(*t->revokes), &r);
        if (r < 0) {
                t->nr_blocks = t->nr_revokes = 0;
                return r;
        }
        for (size_t i = 0; i < t->nr_blocks; i++) {
                struct json_object *b = at(o, "blocks", i);

                t->blocks[i] = (struct fcr_inspect_block) {
                        .fs_block = num(b, "fs_block"), .log_block = (uint32_t) num(b, "log_block"),
                        .escaped = flag(b, "escaped"),
                };
        }
        for (size_t i = 0; i < t->nr_revokes; i++)
                t->revokes[i] = (uint64_t) json_object_get_int64(at(o, "revokes", i));
        return 0;
}

static int log_from_json(struct json_object *o, struct fcr_inspect_log *l) {
        int r = 0;

        *l = (struct fcr_inspect_log) {
                .start_tid = (uint32_t) num(o, "start_tid"), .end_tid = (uint32_t) num(o, "end_tid"),
                .end_block = (uint32_t) num(o, "end_block"), .end_reason = dup_str(o, "end_reason"),
                .commit_corrupt = flag(o, "commit_corrupt"), .continues = get(o, "continues_tid") != NULL,
                .cont_tid = (uint32_t) num(o, "continues_tid"), .cont_block = (uint32_t) num(o, "continues_block"),
        };
        l->txns = array_of(len(o, "transactions"), sizeof(*l->txns), &r);
        for (size_t i = 0; l->txns && i < len(o, "transactions") && r == 0; i++) {
                r = txn_from_json(at(o, "transactions", i), &l->txns[i]);
                l->nr_txns = i + 1;
        }
        return r;
}

/* Every key but the fixed ones is a field of the tag's description. */
static int fields_from_json(struct json_object *o, struct fcr_inspect_tag *t) {
        static const char *const fixed[] = { "tag", "tag_number", "block", "offset", "len", "committed", "text" };
        int r = 0;

        t->fields = array_of(json_object_object_length(o), sizeof(*t->fields), &r);
        json_object_object_foreach(o, key, val) {
                struct fcr_inspect_field *f;
                bool is_fixed = false;

                for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
                        is_fixed |= !strcmp(key, fixed[i]);
                if (is_fixed || !t->fields)
                        continue;
                f = &t->fields[t->nr_fields++];
                f->key = strdup(key);
                if (json_object_is_type(val, json_type_boolean))
                        *f = (struct fcr_inspect_field) { .key = f->key, .type = FCR_FIELD_FLAG,
                                                          .flag = json_object_get_boolean(val) };
                else if (json_object_is_type(val, json_type_string)) {
                        f->type = FCR_FIELD_STR;
                        f->str_len = (size_t) json_object_get_string_len(val);
                        f->str = malloc(f->str_len + 1);
                        if (f->str)
                                memcpy(f->str, json_object_get_string(val), f->str_len + 1);
                } else
                        *f = (struct fcr_inspect_field) { .key = f->key, .type = FCR_FIELD_NUM,
                                                          .num = (uint64_t) json_object_get_int64(val) };
        }
        return r;
}

static int fc_from_json(struct json_object *o, struct fcr_inspect_fc *f) {
        int r = 0;

        *f = (struct fcr_inspect_fc) {
                .expected_tid = (uint32_t) num(o, "expected_tid"), .has_head = get(o, "head_tid") != NULL,
                .head_tid = (uint32_t) num(o, "head_tid"), .head_features = (uint32_t) num(o, "head_features"),
                .commits = num(o, "commits"), .committed_tags = num(o, "committed_tags"),
                .end_reason = dup_str(o, "end_reason"), .end_block = (uint32_t) num(o, "end_block"),
                .end_offset = (uint32_t) num(o, "end_offset"), .nr_tags = len(o, "tags"),
        };
        f->tags_total = get(o, "tags_total") ? num(o, "tags_total") : f->nr_tags;
        f->tags = array_of(f->nr_tags, sizeof(*f->tags), &r);
        if (!f->tags)
                f->nr_tags = 0;
        for (size_t i = 0; i < f->nr_tags && r == 0; i++) {
                struct json_object *t = at(o, "tags", i);

                f->tags[i] = (struct fcr_inspect_tag) {
                        .name = dup_str(t, "tag"), .tag = (uint16_t) num(t, "tag_number"),
                        .len = (uint16_t) num(t, "len"), .block = (uint32_t) num(t, "block"),
                        .offset = (uint32_t) num(t, "offset"), .committed = flag(t, "committed"),
                        .text = dup_str(t, "text"),
                };
                r = fields_from_json(t, &f->tags[i]);
        }
        return r;
}

int fcr_inspect_from_json(struct json_object *j, struct fcr_inspect **ret) {
        struct json_object *journal = get(j, "journal");
        struct fcr_inspect *v;
        int r = 0;

        if (!json_object_is_type(j, json_type_object) || !get(j, "device") || !get(j, "filesystem"))
                return -EBADMSG;
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->device = dup_str(j, "device");
        v->state = dup_str(j, "state");
        fs_from_json(get(j, "filesystem"), &v->fs);
        v->has_disk_orphans = get(j, "orphans") != NULL;
        if (v->has_disk_orphans)
                r = orphans_from_json(get(j, "orphans"), FCR_ORPHANS_ON_DISK, &v->disk_orphans);
        v->has_planned_orphans = get(j, "orphans_after_replay") != NULL;
        if (r == 0 && v->has_planned_orphans)
                r = orphans_from_json(get(j, "orphans_after_replay"), FCR_ORPHANS_PLANNED, &v->planned_orphans);
        v->has_journal = journal != NULL;
        if (r == 0 && journal)
                r = jsb_from_json(get(journal, "superblock"), &v->jsb);
        if (r == 0 && journal)
                r = log_from_json(get(journal, "log"), &v->log);
        if (r == 0 && journal)
                r = fc_from_json(get(journal, "fast_commit"), &v->fc);
        if (r < 0) {
                fcr_inspect_free(v);
                return r;
        }
        *ret = v;
        return 0;
}
