/* fcr_engine_inspect(): inspect's view, built from the engine's scan and
 * plan.  The one place that reads the engine's inside for inspect; the
 * printers read the view.  Lists are capped (FCR_INSPECT_LIST_MAX each):
 * a crafted log makes them no longer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/report.h>
#include "engine.h"
#include "fastcommit/fc_format.h"
#include "journal/jbd2_format.h"
#include <fcreplay/util.h>

static char *dup_or_null(const char *s) {
        return s && *s ? strdup(s) : NULL;
}

int fcr_engine_fs_view(const struct fcr_engine *e, struct fcr_inspect_fs *ret) {
        struct fcr_inspect_fs fs = {
                .opened = e->fs != NULL, .has_journal = e->has_journal, .needs_recovery = e->needs_recovery,
                .external_journal = e->external_journal,
        };

        if (e->fs) {
                fs.block_size = e->fs->blocksize;
                fs.blocks = ext2fs_blocks_count(e->fs->super);
                fs.fast_commit = ext2fs_has_feature_fast_commit(e->fs->super);
        }
        if (e->journal && e->journal->ext_path && !(fs.journal_device = strdup(e->journal->ext_path)))
                return -ENOMEM;
        if (e->journal && e->journal->from_backup &&
            !(fs.journal_inode_damage = strdup(e->journal->inode_damage))) {
                fcr_inspect_fs_done(&fs);
                return -ENOMEM;
        }
        *ret = fs;
        return 0;
}

int fcr_result_orphans_view(const struct fcr_result *r, enum fcr_orphans_kind kind, struct fcr_inspect_orphans *ret) {
        struct fcr_inspect_orphans o = {
                .kind = kind, .list_head = r->orphan_list_head, .file_ino = r->orphan_file_ino,
                .present = r->orphan_present, .left_alone = dup_or_null(r->orphans_left_alone),
                .list_damage = dup_or_null(r->orphan_list_damage), .released = r->orphans_released,
                .file_blocks = r->orphan_file_blocks,
        };

        o.v = r->nr_orphans ? calloc(r->nr_orphans, sizeof(*o.v)) : NULL;
        if (r->nr_orphans && !o.v) {
                fcr_inspect_orphans_done(&o);
                return -ENOMEM;
        }
        for (; o.n < r->nr_orphans; o.n++) {
                const struct fcr_orphan_result *x = &r->orphans[o.n];

                o.v[o.n] = (struct fcr_inspect_orphan) {
                        .ino = x->ino, .in_file = x->in_file, .links = x->links, .size = x->size,
                        .action = strdup(x->action), .blocks_freed = x->blocks_freed,
                };
        }
        *ret = o;
        return 0;
}

/* The orphans as on disk before any replay: what each would get. */
static int disk_orphans_view(const struct fcr_orphans *d, struct fcr_inspect_orphans *ret) {
        struct fcr_inspect_orphans o = {
                .kind = FCR_ORPHANS_ON_DISK, .list_head = d->list_head, .file_ino = d->file_ino,
                .present = d->present, .left_alone = dup_or_null(d->skipped),
                .list_damage = dup_or_null(d->list_damage), .file_damage = dup_or_null(d->refused),
                .file_blocks = d->nr_blocks,
        };

        o.v = d->n ? calloc(d->n, sizeof(*o.v)) : NULL;
        if (d->n && !o.v) {
                fcr_inspect_orphans_done(&o);
                return -ENOMEM;
        }
        for (; o.n < d->n; o.n++)
                o.v[o.n] = (struct fcr_inspect_orphan) {
                        .ino = d->v[o.n].ino, .in_file = d->v[o.n].in_file, .links = d->v[o.n].links,
                        .size = d->v[o.n].size, .action = strdup(fcr_orphan_action_str(d->v[o.n].action)),
                };
        *ret = o;
        return 0;
}

static int jsb_view(const struct jbd2_super *s, struct fcr_inspect_jsb *ret) {
        char names[256], uuid[37], *p, *save = NULL;

        *ret = (struct fcr_inspect_jsb) {
                .version = s->blocktype == JBD2_SUPERBLOCK_V2 ? 2 : 1, .block_size = s->blocksize,
                .blocks = s->maxlen, .first = s->first, .sequence = s->sequence, .start = s->start,
                .errnum = s->errnum, .log_end = s->log_end, .fc_first = s->fc_first,
                .fc_blocks = s->fc_end - s->fc_first,
        };
        fcr_uuid_str(s->uuid, uuid);
        ret->uuid = strdup(uuid);
        jbd2_feature_names(s, names, sizeof(names));
        ret->features = calloc(8, sizeof(*ret->features));
        if (!ret->uuid || !ret->features)
                return -ENOMEM;
        for (p = strtok_r(names, " ", &save); p && ret->nr_features < 8; p = strtok_r(NULL, " ", &save))
                if (!(ret->features[ret->nr_features++] = strdup(p)))
                        return -ENOMEM;
        return 0;
}

/* What the lists of the whole view may still take. */
struct budget {
        size_t blocks, revokes, tags;
};

struct revokes {
        struct fcr_inspect_txn *t;
        size_t *left;
};

static int list_revoke(uint64_t fs_block, uint32_t tid, void *userdata) {
        struct revokes *rv = userdata;

        if (*rv->left == 0)
                return -ENOSPC;         /* the list is full: stop reading */
        rv->t->revokes[rv->t->nr_revokes++] = fs_block;
        (*rv->left)--;
        return 0;
}

static int txn_view(struct fcr_engine *e, const struct jbd2_txn *t, uint8_t *buf, struct budget *b,
                    struct fcr_inspect_txn *ret) {
        size_t nb = t->nr_tags < b->blocks ? t->nr_tags : b->blocks;
        size_t nr = t->nr_revokes < b->revokes ? t->nr_revokes : b->revokes;
        struct revokes rv = { .t = ret, .left = &b->revokes };

        *ret = (struct fcr_inspect_txn) {
                .tid = t->tid, .first_block = t->first_block, .log_blocks = t->nr_log_blocks,
                .committed = t->committed, .replayed = jbd2_txn_in_replay(&e->log, t), .wraps = t->wraps,
                .commit_sec = t->commit_sec, .commit_nsec = t->commit_nsec, .nr_blocks = nb,
                .blocks_total = t->nr_tags, .revokes_total = t->nr_revokes,
        };
        ret->blocks = nb ? calloc(nb, sizeof(*ret->blocks)) : NULL;
        ret->revokes = nr ? calloc(nr, sizeof(*ret->revokes)) : NULL;
        if ((nb && !ret->blocks) || (nr && !ret->revokes))
                return -ENOMEM;
        for (size_t i = 0; i < nb; i++) {
                const struct jbd2_tag_rec *g = &e->log.tags[t->first_tag + i];

                ret->blocks[i] = (struct fcr_inspect_block) {
                        .fs_block = g->fs_block, .log_block = g->log_block, .escaped = g->flags & JBD2_FLAG_ESCAPE,
                };
        }
        b->blocks -= nb;
        for (size_t i = 0; nr && i < t->nr_revoke_blks && b->revokes; i++) {
                int r = jbd2_revoke_records(e->journal, &e->jsb, &e->log.revoke_blks[t->first_revoke_blk + i],
                                            buf, list_revoke, &rv, NULL);

                if (r < 0 && r != -ENOSPC)
                        return r;
        }
        return 0;
}

static int log_view(struct fcr_engine *e, struct budget *b, struct fcr_inspect_log *ret) {
        const struct jbd2_log *l = &e->log;
        _cleanup_free_ uint8_t *buf = malloc(e->jsb.blocksize);
        int r;

        *ret = (struct fcr_inspect_log) {
                .start_tid = l->start_tid, .end_tid = l->end_tid, .end_block = l->end_block,
                .end_reason = strdup(jbd2_end_reason_str(l->end_reason)), .commit_corrupt = l->commit_corrupt,
                .continues = l->continues, .cont_tid = l->cont_tid, .cont_block = l->cont_block,
        };
        ret->txns = l->nr_txns ? calloc(l->nr_txns, sizeof(*ret->txns)) : NULL;
        if (!buf || !ret->end_reason || (l->nr_txns && !ret->txns))
                return -ENOMEM;
        for (; ret->nr_txns < l->nr_txns; ret->nr_txns++) {
                r = txn_view(e, &l->txns[ret->nr_txns], buf, b, &ret->txns[ret->nr_txns]);
                if (r < 0) {
                        ret->nr_txns++;         /* freed with the rest */
                        return r;
                }
        }
        return 0;
}

/* A tag's description (its plugin's, or the scan's for the framing)
 * into the view's fields and text. */
struct describer {
        struct fcr_tag_describer w;
        struct fcr_inspect_tag *t;
        size_t cap;
        char text[512];
        int err;
};

static struct fcr_inspect_field *new_field(struct describer *d, const char *key) {
        struct fcr_inspect_field *f = FCR_PUSH(d->t->fields, d->t->nr_fields, d->cap);

        if (!f || !(key = strdup(key))) {
                d->err = -ENOMEM;
                if (f)
                        d->t->nr_fields--;
                return NULL;
        }
        *f = (struct fcr_inspect_field) { .key = (char *) key };
        return f;
}

static void d_num(struct fcr_tag_describer *w, const char *key, uint64_t v) {
        struct fcr_inspect_field *f = new_field((struct describer *) w, key);

        if (f) {
                f->type = FCR_FIELD_NUM;
                f->num = v;
        }
}

static void d_str(struct fcr_tag_describer *w, const char *key, const char *v, size_t len) {
        struct fcr_inspect_field *f = new_field((struct describer *) w, key);

        if (!f)
                return;
        f->type = FCR_FIELD_STR;
        f->str = malloc(len + 1);
        if (!f->str) {
                ((struct describer *) w)->err = -ENOMEM;
                return;
        }
        memcpy(f->str, v, len);
        f->str[len] = '\0';
        f->str_len = len;
}

static void d_flag(struct fcr_tag_describer *w, const char *key, bool v) {
        struct fcr_inspect_field *f = new_field((struct describer *) w, key);

        if (f) {
                f->type = FCR_FIELD_FLAG;
                f->flag = v;
        }
}

static void d_text(struct fcr_tag_describer *w, const char *fmt, ...) {
        struct describer *d = (struct describer *) w;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(d->text, sizeof(d->text), fmt, ap);
        va_end(ap);
}

struct tags {
        struct fcr_engine *e;
        struct fcr_inspect_fc *fc;
        size_t cap;
        size_t left;
        int err;
};

static int tag_view(const struct fc_tag *t, bool committed, void *userdata) {
        struct tags *ts = userdata;
        const struct fcr_tag_plugin *p = fc_tag_is_framing(t->tag) ? NULL : fcr_engine_tag_plugin(ts->e, t->tag);
        struct fcr_inspect_tag *v;
        struct describer d = { .w = { .num = d_num, .str = d_str, .flag = d_flag, .text = d_text } };
        struct fcr_fs_geometry g;
        int r;

        if (ts->left == 0)
                return -ENOSPC;
        v = FCR_PUSH(ts->fc->tags, ts->fc->nr_tags, ts->cap);
        if (!v) {
                ts->err = -ENOMEM;
                return -ENOMEM;
        }
        ts->left--;
        *v = (struct fcr_inspect_tag) {
                .name = strdup(p ? p->name : fc_tag_name(t->tag)), .tag = t->tag, .len = t->len,
                .block = t->block, .offset = t->offset, .committed = committed,
        };
        d.t = v;
        fcr_engine_geometry(ts->e, &g);
        r = fc_framing_describe(t->tag, t->value, t->len, &d.w);
        if (r == -ENOENT)
                r = p && p->describe ? p->describe(&g, t->value, t->len, &d.w) : -ENOENT;
        if (r < 0)
                snprintf(d.text, sizeof(d.text), "%u bytes%s", t->len,
                         p || fc_tag_is_framing(t->tag) ? "" : " (no plugin)");
        v->text = strdup(d.text);
        if (d.err < 0 || !v->name || !v->text)
                ts->err = -ENOMEM;
        return ts->err;
}

static int fc_view(struct fcr_engine *e, struct budget *b, struct fcr_inspect_fc *ret) {
        const struct fc_log *l = &e->fc;
        struct tags ts = { .e = e, .fc = ret, .left = b->tags };

        *ret = (struct fcr_inspect_fc) {
                .expected_tid = l->expected_tid, .has_head = l->has_head, .head_tid = l->head_tid,
                .head_features = l->head_features, .commits = l->nr_commits, .committed_tags = l->nr_committed,
                .end_reason = strdup(fc_end_reason_str(l->end_reason)), .end_block = l->end_block,
                .end_offset = l->end_offset, .tags_total = l->nr_walked,
        };
        if (!ret->end_reason)
                return -ENOMEM;
        fc_log_foreach(l, tag_view, &ts);
        return ts.err;
}

static int journal_view(struct fcr_engine *e, struct fcr_inspect *v) {
        struct budget b = { FCR_INSPECT_LIST_MAX, FCR_INSPECT_LIST_MAX, FCR_INSPECT_LIST_MAX };
        int r;

        v->has_journal = true;
        r = jsb_view(&e->jsb, &v->jsb);
        if (r >= 0)
                r = log_view(e, &b, &v->log);
        if (r >= 0)
                r = fc_view(e, &b, &v->fc);
        return r;
}

int fcr_engine_inspect(struct fcr_engine *e, struct fcr_inspect **ret) {
        const struct fcr_result *res = fcr_engine_result(e);
        const struct fcr_orphans *disk = &e->orphans_on_disk;
        struct fcr_inspect *v = calloc(1, sizeof(*v));
        int r;

        if (!v)
                return -ENOMEM;
        v->device = strdup(e->device);
        v->state = strdup(fcr_state_str(e->state));
        r = v->device && v->state ? fcr_engine_fs_view(e, &v->fs) : -ENOMEM;
        v->has_disk_orphans = fcr_orphans_pending(disk) || disk->skipped[0] || disk->list_damage[0] ||
                              disk->refused[0];
        if (r >= 0 && v->has_disk_orphans)
                r = disk_orphans_view(disk, &v->disk_orphans);
        /* The plan's: the replay reads them after the journal. */
        v->has_planned_orphans = res->has_orphans;
        if (r >= 0 && v->has_planned_orphans)
                r = fcr_result_orphans_view(res, FCR_ORPHANS_PLANNED, &v->planned_orphans);
        if (r >= 0 && e->has_journal && e->scanned)
                r = journal_view(e, v);
        if (r < 0) {
                fcr_inspect_free(v);
                return r;
        }
        *ret = v;
        return 0;
}
