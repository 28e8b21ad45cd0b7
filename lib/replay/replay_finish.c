/* The end of a fast-commit replay: delete what lost its last link, fix
 * directory link counts, recompute i_blocks, then rebuild the bitmaps,
 * group counters, flags and checksums of every group the replay touched,
 * and the superblock's free counts.  Works only on the groups touched. */
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <time.h>
#include <et/com_err.h>
#include "groups.h"
#include "io/journal_io.h"
#include "blocks.h"
#include "replay_internal.h"
#include <fcreplay/util.h>

struct blocks {
        uint64_t *v;
        size_t n, cap;
};

static int collect_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
                         blk64_t ref_blk, int ref_offset, void *priv) {
        struct blocks *b = priv;
        uint64_t *slot = FCR_PUSH(b->v, b->n, b->cap);

        if (!slot)
                return BLOCK_ABORT;
        *slot = *blocknr;
        return 0;
}

/* Every block the inode owns: data, extent-tree or indirect blocks, and
 * (with_acl) its extended-attribute block. */
static int inode_blocks(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode, bool with_acl,
                        struct blocks *ret) {
        errcode_t e;

        ret->n = 0;
        if ((inode->i_flags & EXT4_INLINE_DATA_FL) || !ext2fs_inode_has_valid_blocks2(r->fs, inode))
                goto acl;
        e = ext2fs_block_iterate3(r->fs, ino, BLOCK_FLAG_READ_ONLY, NULL, collect_block, ret);
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot walk the blocks of inode %u: %s",
                                ino, error_message(e));
acl:
        if (with_acl && ext2fs_file_acl_block(r->fs, inode)) {
                uint64_t *slot = FCR_PUSH(ret->v, ret->n, ret->cap);

                if (!slot)
                        return -ENOMEM;
                *slot = ext2fs_file_acl_block(r->fs, inode);
        }
        return 0;
}

/* An extended-attribute block may be shared by several inodes (its
 * h_refcount): a deleted inode drops its reference, and the block is freed
 * with the last one, as the kernel (ext4_xattr_release_block) and e2fsck
 * do.  The refcount write goes through the view like every other block. */
static int release_ea_block(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode, bool *ret_freed) {
        uint64_t blk = ext2fs_file_acl_block(r->fs, inode);
        _cleanup_free_ char *buf = NULL;
        struct ext2_ext_attr_header *h;
        __u32 count;
        errcode_t e;

        if (blk == 0) {
                *ret_freed = false;
                return 0;
        }
        if (blk < r->geom.first_data_block || blk >= r->geom.blocks_count)
                return fcr_fail(r->d, -EUCLEAN,
                                "inode %u names extended-attribute block %llu, outside the filesystem; run e2fsck",
                                ino, (unsigned long long) blk);
        buf = malloc(r->fs->blocksize);
        if (!buf)
                return -ENOMEM;
        e = ext2fs_read_ext_attr3(r->fs, blk, buf, ino);
        h = (struct ext2_ext_attr_header *) buf;
        if (!e && h->h_magic != EXT2_EXT_ATTR_MAGIC)
                e = EXT2_ET_BAD_EA_HEADER;
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e),
                                "cannot release the extended-attribute block %llu of deleted inode %u: %s; run e2fsck",
                                (unsigned long long) blk, ino, error_message(e));
        if (h->h_refcount <= 1) {
                /* The last reference: the block goes, unwritten. */
                *ret_freed = true;
                return 0;
        }
        e = ext2fs_adjust_ea_refcount3(r->fs, blk, buf, -1, &count, ino);
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e),
                                "cannot lower the reference count of extended-attribute block %llu (inode %u): %s",
                                (unsigned long long) blk, ino, error_message(e));
        fcr_replay_note(r, "ino %u: extended-attribute block %llu kept, %u reference(s) left", ino,
                        (unsigned long long) blk, count);
        *ret_freed = false;
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* i_blocks counts whole clusters (bigalloc included) in 512-byte units,
 * or in filesystem blocks for huge files. */
static void set_iblocks(struct fcr_replay *r, struct ext2_inode *inode, struct blocks *b) {
        int bits = r->fs->cluster_ratio_bits;
        size_t clusters = 0;
        uint64_t *c = malloc((b->n ? b->n : 1) * sizeof(*c));

        if (!c)
                return;
        for (size_t i = 0; i < b->n; i++)
                c[i] = b->v[i] >> bits;
        qsort(c, b->n, sizeof(*c), cmp_u64);
        for (size_t i = 0; i < b->n; i++)
                if (i == 0 || c[i] != c[i - 1])
                        clusters++;
        free(c);
        /* ext2fs_iblk_set scales by the cluster ratio itself. */
        ext2fs_iblk_set(r->fs, inode, clusters);
}

static int read_full(struct fcr_replay *r, uint32_t ino, struct ext2_inode_large *inode) {
        errcode_t e = ext2fs_read_inode_full(r->fs, ino, (struct ext2_inode *) inode, r->geom.inode_size);

        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot read inode %u: %s", ino, error_message(e));
        return 0;
}

static int write_full(struct fcr_replay *r, uint32_t ino, struct ext2_inode_large *inode) {
        errcode_t e = ext2fs_write_inode_full(r->fs, ino, (struct ext2_inode *) inode, r->geom.inode_size);

        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot write inode %u: %s", ino, error_message(e));
        return 0;
}

struct subdir_count {
        uint32_t self;
        unsigned n;
        ext2_filsys fs;
};

static int count_subdir(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset, int blocksize,
                        char *buf, void *priv) {
        struct subdir_count *c = priv;
        struct ext2_inode inode;

        if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || de->inode == 0)
                return 0;
        if (ext2fs_has_feature_filetype(c->fs->super)) {
                if (ext2fs_dirent_file_type(de) == EXT2_FT_DIR)
                        c->n++;
        } else if (ext2fs_read_inode(c->fs, de->inode, &inode) == 0 && LINUX_S_ISDIR(inode.i_mode))
                c->n++;
        return 0;
}

/* A directory's links: '.', its name, and each subdirectory's '..'. */
static int recount_dir(struct fcr_replay *r, uint32_t ino, struct ext2_inode_large *inode) {
        struct subdir_count c = { .self = ino, .fs = r->fs };
        unsigned links;
        errcode_t e;

        e = ext2fs_dir_iterate2(r->fs, ino, 0, NULL, count_subdir, &c);
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot read directory %u: %s", ino, error_message(e));
        links = 2 + c.n;
        if (links >= EXT2_LINK_MAX && ext2fs_has_feature_dir_nlink(r->fs->super))
                links = 1;
        if (inode->i_links_count != links)
                fcr_replay_note(r, "dir %u: links %u -> %u", ino, inode->i_links_count, links);
        inode->i_links_count = links;
        return 0;
}

struct finish {
        struct fcr_replay *r;
        struct blocks blocks;
        struct blocks marks;            /* blocks in use at the end */
        int err;
};

static int mark_blocks(struct finish *f, const struct blocks *b) {
        for (size_t i = 0; i < b->n; i++) {
                uint64_t *slot = FCR_PUSH(f->marks.v, f->marks.n, f->marks.cap);

                if (!slot)
                        return -ENOMEM;
                *slot = b->v[i];
        }
        return 0;
}

static int finish_inode(struct finish *f, struct ino_state *s) {
        struct fcr_replay *r = f->r;
        struct ext2_inode_large *inode = calloc(1, r->geom.inode_size);
        bool deleted = false;
        int ret;

        if (!inode)
                return -ENOMEM;
        ret = read_full(r, s->ino, inode);
        if (ret < 0)
                goto out;
        if (s->flags & INO_DIR_UNLINKED)
                inode->i_links_count = 0;
        if ((s->flags & (INO_LINKS | INO_DIR_UNLINKED)) && inode->i_links_count == 0 && inode->i_mode != 0 &&
            (s->was_used || (s->flags & INO_USED))) {
                /* Its last name is gone: delete it, as the kernel's orphan
                 * cleanup would after mount. */
                bool acl_freed;

                ret = inode_blocks(r, s->ino, (struct ext2_inode *) inode, false, &f->blocks);
                if (ret < 0)
                        goto out;
                ret = release_ea_block(r, s->ino, (struct ext2_inode *) inode, &acl_freed);
                if (ret < 0)
                        goto out;
                if (acl_freed) {
                        uint64_t *slot = FCR_PUSH(f->blocks.v, f->blocks.n, f->blocks.cap);

                        if (!slot) {
                                ret = -ENOMEM;
                                goto out;
                        }
                        *slot = ext2fs_file_acl_block(r->fs, (struct ext2_inode *) inode);
                }
                for (size_t i = 0; i < f->blocks.n; i++)
                        fcr_replay_event(r, f->blocks.v[i], false);
                inode->i_dtime = r->fs->now ? r->fs->now : time(NULL);
                fcr_replay_note(r, "ino %u: deleted (no links left), %zu blocks freed", s->ino, f->blocks.n);
                deleted = true;
                s->flags &= ~INO_USED;
                ret = write_full(r, s->ino, inode);
                goto out;
        }
        if ((s->flags & INO_SUBDIRS) && LINUX_S_ISDIR(inode->i_mode) && inode->i_links_count) {
                ret = recount_dir(r, s->ino, inode);
                if (ret < 0)
                        goto out;
        }
        if ((s->flags & INO_MODIFIED) && inode->i_mode != 0) {
                ret = inode_blocks(r, s->ino, (struct ext2_inode *) inode, true, &f->blocks);
                if (ret < 0)
                        goto out;
                ret = mark_blocks(f, &f->blocks);
                if (ret < 0)
                        goto out;
                if (!(inode->i_flags & EXT4_INLINE_DATA_FL))
                        set_iblocks(r, (struct ext2_inode *) inode, &f->blocks);
        }
        if (s->flags & (INO_MODIFIED | INO_SUBDIRS))
                ret = write_full(r, s->ino, inode);
out:
        if (ret == 0 && deleted)
                s->flags |= INO_DELETED;        /* final state: not in use */
        free(inode);
        return ret;
}

static void walk_inode(const void *node, VISIT which, void *closure) {
        struct ino_state *s = *(struct ino_state * const *) node;
        struct finish *f = closure;

        if ((which == postorder || which == leaf) && f->err == 0)
                f->err = finish_inode(f, s);
}

static uint32_t group_of_block(struct fcr_replay *r, uint64_t blk) {
        return ext2fs_group_of_blk2(r->fs, blk);
}

static void set_block_bit(struct fcr_replay *r, uint64_t blk, bool used) {
        uint32_t g = group_of_block(r, blk);
        struct grp_cache *c = fcr_group_get(r, g);
        uint64_t bit;

        if (!c || blk < r->geom.first_data_block || blk >= r->geom.blocks_count)
                return;
        bit = (blk - ext2fs_group_first_block2(r->fs, g)) >> r->fs->cluster_ratio_bits;
        if (used)
                c->bbm[bit / 8] |= 1 << (bit % 8);
        else
                c->bbm[bit / 8] &= ~(1 << (bit % 8));
        c->bbm_dirty = true;
}

static void walk_event(const void *node, VISIT which, void *closure) {
        const struct blk_event *e = *(const struct blk_event * const *) node;

        if (which == postorder || which == leaf)
                set_block_bit(closure, e->blk, e->used);
}

static void walk_inode_bits(const void *node, VISIT which, void *closure) {
        const struct ino_state *s = *(const struct ino_state * const *) node;
        struct fcr_replay *r = closure;
        uint32_t g, idx;
        struct grp_cache *c;
        bool used, dir = false;
        struct ext2_inode inode;

        if (which != postorder && which != leaf)
                return;
        g = (s->ino - 1) / r->geom.inodes_per_group;
        idx = (s->ino - 1) % r->geom.inodes_per_group;
        c = fcr_group_get(r, g);
        if (!c)
                return;
        used = !(s->flags & (INO_DELETED | INO_DIR_UNLINKED)) && (s->was_used || (s->flags & INO_USED));
        if (used && ext2fs_read_inode(r->fs, s->ino, &inode) == 0)
                dir = LINUX_S_ISDIR(inode.i_mode);
        if (used)
                c->ibm[idx / 8] |= 1 << (idx % 8);
        else
                c->ibm[idx / 8] &= ~(1 << (idx % 8));
        c->dirs_delta += (int) (used && dir) - (int) (s->was_used && s->was_dir);
        c->ibm_dirty = true;
        if (used)
                c->itable_used = MAX(c->itable_used, idx + 1);
}

static unsigned count_zero_bits(const uint8_t *map, uint64_t nbits) {
        unsigned n = 0;

        for (uint64_t i = 0; i < nbits; i++)
                if (!(map[i / 8] & (1 << (i % 8))))
                        n++;
        return n;
}

static int write_bitmaps(struct fcr_replay *r, uint32_t g, struct grp_cache *c) {
        ext2_filsys fs = r->fs;
        uint64_t clusters = EXT2_CLUSTERS_PER_GROUP(fs->super);
        uint64_t valid = ((ext2fs_group_last_block2(fs, g) - ext2fs_group_first_block2(fs, g)) >>
                          fs->cluster_ratio_bits) + 1;
        errcode_t e;

        if (c->bbm_dirty) {
                /* Bits past the end of the filesystem stay set. */
                for (uint64_t bit = valid; bit < clusters; bit++)
                        c->bbm[bit / 8] |= 1 << (bit % 8);
                ext2fs_bg_free_blocks_count_set(fs, g, count_zero_bits(c->bbm, valid));
                ext2fs_bg_flags_clear(fs, g, EXT2_BG_BLOCK_UNINIT);
                ext2fs_block_bitmap_csum_set(fs, g, (char *) c->bbm, clusters / 8);
                e = io_channel_write_blk64(fs->io, ext2fs_block_bitmap_loc(fs, g), 1, c->bbm);
                if (e)
                        return fcr_fail(r->d, -EIO, "cannot write the block bitmap of group %u", g);
        }
        if (c->ibm_dirty) {
                uint32_t ipg = r->geom.inodes_per_group;

                ext2fs_bg_free_inodes_count_set(fs, g, count_zero_bits(c->ibm, ipg));
                ext2fs_bg_used_dirs_count_set(fs, g, ext2fs_bg_used_dirs_count(fs, g) + c->dirs_delta);
                ext2fs_bg_flags_clear(fs, g, EXT2_BG_INODE_UNINIT);
                /* Inodes past the never-used mark must move it. */
                if (ext2fs_has_group_desc_csum(fs) && c->itable_used > ipg - ext2fs_bg_itable_unused(fs, g))
                        ext2fs_bg_itable_unused_set(fs, g, ipg - c->itable_used);
                ext2fs_inode_bitmap_csum_set(fs, g, (char *) c->ibm, ipg / 8);
                e = io_channel_write_blk64(fs->io, ext2fs_inode_bitmap_loc(fs, g), 1, c->ibm);
                if (e)
                        return fcr_fail(r->d, -EIO, "cannot write the inode bitmap of group %u", g);
        }
        /* The superblock gets what changed; the kernel and e2fsck recount
         * its free counts from the descriptors anyway. */
        r->free_clusters_delta += (int64_t) ext2fs_bg_free_blocks_count(fs, g) - c->old_free_clusters;
        r->free_inodes_delta += (int64_t) ext2fs_bg_free_inodes_count(fs, g) - c->old_free_inodes;
        return 0;
}

static int write_group(struct fcr_replay *r, uint32_t g, struct grp_cache *c) {
        int ret = fcr_group_desc_begin(r, g);

        if (ret < 0)
                return ret;
        return fcr_group_desc_end(r, g, write_bitmaps(r, g, c));
}

/* The primary superblock alone, in one write.  ext2fs_flush() walks every
 * group even with SUPER_ONLY and MASTER_SB_ONLY (122,880 at 15 TiB) to
 * find backups; the kernel leaves those alone too. */
static errcode_t write_primary_super(ext2_filsys fs) {
        struct ext2_super_block sb;
        errcode_t e;

        fs->super->s_wtime = fs->now ? fs->now : time(NULL);
        fs->super->s_block_group_nr = 0;
        sb = *fs->super;
#ifdef WORDS_BIGENDIAN
        ext2fs_swap_super(&sb);
#endif
        e = ext2fs_superblock_csum_set(fs, &sb);
        if (e)
                return e;
        io_channel_set_blksize(fs->io, SUPERBLOCK_OFFSET);
        e = io_channel_write_blk64(fs->io, 1, -SUPERBLOCK_SIZE, &sb);
        io_channel_set_blksize(fs->io, fs->blocksize);
        if (!e)
                e = io_channel_flush(fs->io);
        if (!e)
                fs->flags &= ~EXT2_FLAG_DIRTY;
        return e;
}

/* The superblock's free counts.  While mounted the kernel keeps them in
 * per-CPU counters and writes them back only at unmount, so the copy in
 * the log or on disk is stale (often as old as the mount); the kernel and
 * e2fsck recount them from the descriptors anyway.  When the replay loaded
 * every group's descriptor, the sum is exact; otherwise the counts as
 * opened are moved by what the touched groups gained or lost (stale
 * counts stay stale, clamped to what is possible).  libext2fs's own alloc
 * stats on the superblock do not count. */
static void free_counts(struct fcr_replay *r, int64_t *ret_clusters, int64_t *ret_inodes) {
        ext2_filsys fs = r->fs;
        int64_t clusters = 0, inodes = 0;

        for (uint32_t g = 0; g < r->geom.group_count; g++) {
                if (!r->groups[g]) {
                        *ret_clusters = (int64_t) r->sb_free_clusters + r->free_clusters_delta;
                        *ret_inodes = (int64_t) r->sb_free_inodes + r->free_inodes_delta;
                        return;
                }
                clusters += ext2fs_bg_free_blocks_count(fs, g);
                inodes += ext2fs_bg_free_inodes_count(fs, g);
        }
        *ret_clusters = clusters;
        *ret_inodes = inodes;
}

static int write_super(struct fcr_replay *r) {
        ext2_filsys fs = r->fs;
        int64_t free_clusters, free_inodes;
        errcode_t e;

        free_counts(r, &free_clusters, &free_inodes);
        free_clusters = MIN(free_clusters, (int64_t) (ext2fs_blocks_count(fs->super) >> fs->cluster_ratio_bits));

        ext2fs_free_blocks_count_set(fs->super, (uint64_t) MAX(free_clusters, 0) << fs->cluster_ratio_bits);
        fs->super->s_free_inodes_count = MIN(MAX(free_inodes, 0), (int64_t) fs->super->s_inodes_count);
        e = write_primary_super(fs);
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot write the superblock: %s", error_message(e));
        return 0;
}

int fcr_replay_finish(struct fcr_replay *r) {
        struct finish f = { .r = r };
        int ret;

        twalk_r(r->inodes, walk_inode, &f);
        ret = f.err;
        if (ret < 0)
                goto out;
        /* Bitmaps: what the replay freed and allocated, in order, then
         * every block that a live modified inode owns at the end. */
        twalk_r(r->events, walk_event, r);
        for (size_t i = 0; i < f.marks.n; i++)
                set_block_bit(r, f.marks.v[i], true);
        twalk_r(r->inodes, walk_inode_bits, r);
        /* Some callers of fcr_group_get() can only skip a group that failed. */
        ret = r->group_error;
        if (ret < 0)
                goto out;
        for (uint32_t g = 0; g < r->geom.group_count; g++)
                if (r->groups[g] && (r->groups[g]->bbm_dirty || r->groups[g]->ibm_dirty)) {
                        ret = write_group(r, g, r->groups[g]);
                        if (ret < 0)
                                goto out;
                }
        ret = write_super(r);
out:
        free(f.blocks.v);
        free(f.marks.v);
        return ret;
}
