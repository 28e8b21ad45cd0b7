#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>
#include <fcreplay/bytes.h>
#include "fastcommit/fc_format.h"
#include "io/journal_io.h"
#include "alloc_host.h"
#include "blocks.h"
#include "groups.h"
#include "system_zone.h"
#include "replay_internal.h"
#include <fcreplay/util.h>

static int cmp_ino(const void *a, const void *b) {
        const struct ino_state *x = a, *y = b;

        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_range(const void *a, const void *b) {
        const struct claimed_range *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

int fcr_replay_new(struct fcr_overlay *ov, const struct fcr_plugins *plugins,
                   const struct fcr_alloc_plugin *alloc, struct fcr_diag *d, struct fcr_replay **ret) {
        struct fcr_replay *r = calloc(1, sizeof(*r));
        ext2_filsys fs;
        errcode_t e;

        if (!r)
                return -ENOMEM;
        /* SUPER_ONLY: descriptors on demand, verified when used (groups.c). */
        e = ext2fs_open2(fcr_overlay_name(ov), NULL,
                         EXT2_FLAG_RW | EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_SUPER_ONLY,
                         0, 0, fcr_overlay_manager(), &fs);
        if (e) {
                free(r);
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot open the replayed filesystem: %s",
                                error_message(e));
        }
        r->fs = fs;
        r->ov = ov;
        r->plugins = plugins;
        r->alloc = alloc;
        r->d = d;
        r->geom = (struct fcr_fs_geometry) {
                .block_size = fs->blocksize,
                .inode_size = EXT2_INODE_SIZE(fs->super),
                .cluster_ratio = EXT2FS_CLUSTER_RATIO(fs),
                .blocks_count = ext2fs_blocks_count(fs->super),
                .inodes_count = fs->super->s_inodes_count,
                .first_data_block = fs->super->s_first_data_block,
                .blocks_per_group = fs->super->s_blocks_per_group,
                .inodes_per_group = fs->super->s_inodes_per_group,
                .group_count = fs->group_desc_count,
        };
        r->ctx = (struct fcr_replay_ctx) {
                .abi_version = FCR_TAG_ABI_VERSION, .fs = fs, .geom = &r->geom,
                .ops = &fcr_replay_ops, .engine = r,
        };
        r->sb_free_clusters = ext2fs_free_blocks_count(fs->super) >> fs->cluster_ratio_bits;
        r->sb_free_inodes = fs->super->s_free_inodes_count;
        r->groups = calloc(fs->group_desc_count, sizeof(*r->groups));
        if (!r->groups) {
                fcr_replay_free(r);
                return -ENOMEM;
        }
        fs->priv_data = r;
        fcr_alloc_host_install(r);
        *ret = r;
        return 0;
}

void fcr_replay_free(struct fcr_replay *r) {
        if (!r)
                return;
        /* Everything worth keeping was flushed by the finish step. */
        fcr_fs_close_nowrite(&r->fs);
        fcr_groups_free(r);
        fcr_blocks_free(r);
        if (r->zone)
                fcr_system_zone_done(r->zone);
        free(r->zone);
        tdestroy(r->inodes, free);
        free(r->claimed);
        for (size_t i = 0; i < r->nr_notes; i++)
                free(r->notes[i]);
        free(r->notes);
        free(r);
}

struct ino_state *fcr_replay_inode(struct fcr_replay *r, uint32_t ino) {
        struct ino_state key = { .ino = ino }, **p, *s;
        struct ext2_inode inode;
        uint32_t group, idx;
        uint8_t *ibm;

        p = tfind(&key, &r->inodes, cmp_ino);
        if (p)
                return *p;
        s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->ino = ino;
        /* Remember how the group counted this inode before the replay. */
        group = (ino - 1) / r->geom.inodes_per_group;
        idx = (ino - 1) % r->geom.inodes_per_group;
        if (fcr_group_inode_bitmap(r, group, &ibm) == 0 && (ibm[idx / 8] & (1 << (idx % 8)))) {
                s->was_used = true;
                if (ext2fs_read_inode(r->fs, ino, &inode) == 0)
                        s->was_dir = LINUX_S_ISDIR(inode.i_mode);
        }
        p = tsearch(s, &r->inodes, cmp_ino);
        if (!p) {
                free(s);
                return NULL;
        }
        r->nr_inodes_touched++;
        return s;
}

void fcr_replay_stats(const struct fcr_replay *r, struct fcr_replay_stats *ret) {
        *ret = (struct fcr_replay_stats) {
                .tags_done = r->nr_tags_done,
                .inodes_touched = r->nr_inodes_touched,
                .blocks_allocated = r->nr_blocks_allocated,
                .blocks_freed = r->nr_blocks_freed,
                .notes = (const char *const *) r->notes,
                .nr_notes = r->nr_notes,
        };
}

/* Start a note line: one per tag, "[block:offset] NAME:", and one per
 * orphan.  Out of memory, a note is lost, never the replay. */
void fcr_replay_note_head(struct fcr_replay *r, const char *fmt, ...) {
        char **slot;
        va_list ap;
        int n;

        if (r->notes_full)
                return;
        if (r->nr_notes == FCR_NOTES_MAX) {
                r->notes_full = true;
                slot = FCR_PUSH(r->notes, r->nr_notes, r->cap_notes);
                if (slot && asprintf(slot, "[...] the plan goes on; its lines after the first %d are left out",
                                     FCR_NOTES_MAX) < 0)
                        r->nr_notes--;
                return;
        }
        slot = FCR_PUSH(r->notes, r->nr_notes, r->cap_notes);
        if (!slot)
                return;
        va_start(ap, fmt);
        n = vasprintf(slot, fmt, ap);
        va_end(ap);
        if (n < 0)
                r->nr_notes--;
}

/* Notes form one line per tag: "[block:offset] NAME: what; what". */
void fcr_replay_note(struct fcr_replay *r, const char *fmt, ...) {
        char *line = NULL, *joined;
        size_t last_len;
        va_list ap;
        int n;

        if (r->notes_full)
                return;
        va_start(ap, fmt);
        n = vasprintf(&line, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if (r->nr_notes == 0) {
                /* A note before any head is a line of its own. */
                char **slot = FCR_PUSH(r->notes, r->nr_notes, r->cap_notes);

                if (slot)
                        *slot = line;
                else
                        free(line);
                return;
        }
        last_len = strlen(r->notes[r->nr_notes - 1]);
        if (asprintf(&joined, "%s%s%s", r->notes[r->nr_notes - 1],
                     last_len && r->notes[r->nr_notes - 1][last_len - 1] != ':' ? "; " : " ", line) >= 0) {
                free(r->notes[r->nr_notes - 1]);
                r->notes[r->nr_notes - 1] = joined;
        }
        free(line);
}

static int add_claim(void *userdata, uint64_t start, uint64_t len) {
        struct fcr_replay *r = userdata;
        struct claimed_range *c;
        uint64_t mask = (1ULL << r->fs->cluster_ratio_bits) - 1, end;

        if (len == 0)
                return 0;
        c = FCR_PUSH(r->claimed, r->nr_claimed, r->cap_claimed);
        if (!c)
                return -ENOMEM;
        /* With bigalloc a block taken from a claimed range's cluster
         * would share it with that file: claim whole clusters (the
         * kernel does not, and fsck then finds multiply-claimed
         * blocks). */
        end = (start + len + mask) & ~mask;
        c->start = start & ~mask;
        c->len = end - c->start;
        return 0;
}

/* Every physical range a tag of the valid log claims, as its plugin
 * says (ADD_RANGE's extents): no block allocated during replay may come
 * from them. */
static int collect_claimed(struct fcr_replay *r, const struct fc_log *log) {
        size_t out = 0;
        int ret;

        for (size_t i = 0; i < log->nr_tags; i++) {
                const struct fc_tag *t = &log->tags[i];
                const struct fcr_tag_plugin *p = fcr_plugins_tag(r->plugins, t->tag);

                if (!p || !p->claims)
                        continue;
                ret = p->claims(&r->geom, t->value, t->len, add_claim, r);
                if (ret < 0)
                        return ret;
        }
        if (r->nr_claimed)
                qsort(r->claimed, r->nr_claimed, sizeof(*r->claimed), cmp_range);
        for (size_t i = 0; i < r->nr_claimed; i++) {
                struct claimed_range *c = &r->claimed[i];

                if (c->len == 0)
                        continue;
                if (out && c->start <= r->claimed[out - 1].start + r->claimed[out - 1].len) {
                        uint64_t end = c->start + c->len, prev_end = r->claimed[out - 1].start + r->claimed[out - 1].len;

                        if (end > prev_end)
                                r->claimed[out - 1].len = end - r->claimed[out - 1].start;
                } else
                        r->claimed[out++] = *c;
        }
        r->nr_claimed = out;
        return 0;
}

int fcr_replay_work(struct fcr_replay *r, uint64_t n) {
        r->work += n;
        if (r->work <= FCR_REPLAY_WORK_MAX)
                return 0;
        return fcr_fail(r->d, -EOPNOTSUPP, "the fast-commit log asks for more than %llu units of work (tags, "
                        "extents looked up, block mappings changed), beyond fcreplay's bound; the kernel's mount "
                        "replays it", (unsigned long long) FCR_REPLAY_WORK_MAX);
}

int fcr_replay_run(struct fcr_replay *r, const struct fc_log *log) {
        int ret;

        ret = collect_claimed(r, log);
        if (ret < 0)
                return ret;
        r->nr_tags_total = log->nr_tags;
        for (size_t i = 0; i < log->nr_tags; i++) {
                const struct fc_tag *t = &log->tags[i];
                const struct fcr_tag_plugin *p = fcr_plugins_tag(r->plugins, t->tag);

                if (!p)
                        return fcr_fail(r->d, -EOPNOTSUPP, "no plugin handles fast-commit tag %u (%s)",
                                        t->tag, fc_tag_name(t->tag));
                ret = fcr_replay_work(r, 1);
                if (ret < 0)
                        return ret;
                fcr_replay_note_head(r, "[%u:%u] %s:", t->block, t->offset, p->name);
                /* A reason left by an earlier step that was survived must
                 * not stand for this tag's failure. */
                fcr_diag_clear(r->d);
                ret = p->replay(&r->ctx, t->value, t->len);
                if (ret < 0) {
                        if (!r->d->err)
                                fcr_fail(r->d, ret, "replaying fast-commit tag %s at [%u:%u] failed: %s",
                                         p->name, t->block, t->offset, strerror(-ret));
                        return ret;
                }
                r->nr_tags_done = i + 1;
        }
        return 0;
}

/* In use before the replay, or made so by it: what the orphan checks
 * ask.  An inode the replay is about to delete still counts. */
bool fcr_replay_inode_was_in_use(struct fcr_replay *r, uint32_t ino) {
        struct ino_state key = { .ino = ino }, **p = tfind(&key, &r->inodes, cmp_ino);
        uint32_t group = (ino - 1) / r->geom.inodes_per_group, idx = (ino - 1) % r->geom.inodes_per_group;
        uint8_t *ibm;

        if (p)
                return (*p)->was_used || ((*p)->flags & INO_USED);
        return fcr_group_inode_bitmap(r, group, &ibm) == 0 && (ibm[idx / 8] & (1 << (idx % 8)));
}
