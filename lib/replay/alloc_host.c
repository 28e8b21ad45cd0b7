/* The engine side of allocator plugins: libext2fs asks for a block, the
 * chosen plugin picks one through find_free(), which knows the replay
 * view's bitmaps, the ranges the log claims and what replay has taken. */
#include <et/com_err.h>
#include "alloc_host.h"
#include "blocks.h"
#include "groups.h"
#include "replay_internal.h"

static int find_free(struct fcr_alloc_ctx *a, uint64_t start, uint64_t end, uint64_t *ret) {
        struct fcr_replay *r = a->engine;
        ext2_filsys fs = r->fs;
        int bits = fs->cluster_ratio_bits;

        if (start < r->geom.first_data_block)
                start = r->geom.first_data_block;
        if (end > r->geom.blocks_count)
                end = r->geom.blocks_count;
        while (start < end) {
                uint32_t g = ext2fs_group_of_blk2(fs, start);
                blk64_t first = ext2fs_group_first_block2(fs, g), last = ext2fs_group_last_block2(fs, g);
                struct grp_cache *c;

                /* Uninitialised groups stay so: their bitmaps do not exist. */
                if (ext2fs_has_group_desc_csum(fs) && ext2fs_bg_flags_test(fs, g, EXT2_BG_BLOCK_UNINIT)) {
                        start = last + 1;
                        continue;
                }
                c = fcr_group_get(r, g);
                if (!c)
                        return -EIO;
                for (blk64_t b = start; b <= last && b < end; b++) {
                        uint64_t bit = (b - first) >> bits;

                        if (c->bbm[bit / 8] == 0xFF) {
                                b = first + ((((bit / 8) + 1) * 8) << bits) - 1;
                                continue;
                        }
                        if (c->bbm[bit / 8] & (1 << (bit % 8)))
                                continue;
                        /* Whole clusters only, with bigalloc. */
                        if (bits && ((b - first) & ((1ULL << bits) - 1)))
                                continue;
                        if (fcr_replay_claimed(r, b) || fcr_replay_block_taken(r, b))
                                continue;
                        *ret = b;
                        return 1;
                }
                start = last + 1;
        }
        return 0;
}

static int neighbour(struct fcr_alloc_ctx *a, uint32_t ino, uint64_t lblk, uint64_t *ret) {
        struct fcr_replay *r = a->engine;
        struct ext2_inode inode;
        blk64_t phys = 0;

        if (lblk == 0 || ino == 0 || ext2fs_read_inode(r->fs, ino, &inode))
                return 0;
        if (!ext2fs_inode_has_valid_blocks2(r->fs, &inode) || (inode.i_flags & EXT4_INLINE_DATA_FL))
                return 0;
        if (ext2fs_bmap2(r->fs, ino, &inode, NULL, 0, lblk - 1, NULL, &phys) || !phys)
                return 0;
        *ret = phys;
        return 1;
}

static const struct fcr_alloc_ops alloc_ops = {
        .find_free = find_free,
        .neighbour = neighbour,
};

/* libext2fs allocates and frees extent-tree and directory blocks itself;
 * it reports each through this hook. */
static void alloc_stats(ext2_filsys fs, blk64_t blk, int inuse) {
        struct fcr_replay *r = fs->priv_data;

        fcr_replay_event(r, blk, inuse > 0);
        if (inuse > 0)
                r->nr_blocks_allocated++;
        else
                r->nr_blocks_freed++;
}

static errcode_t get_alloc_block(ext2_filsys fs, blk64_t goal, blk64_t *ret, struct blk_alloc_ctx *ctx) {
        struct fcr_replay *r = fs->priv_data;
        struct fcr_alloc_request req = { .goal = goal };
        uint64_t blk = 0;
        int e;

        fcr_diag_clear(&r->alloc_why);
        /* Without fast commits (orphans only) no allocator is loaded:
         * truncating at the end of a file never needs a block. */
        if (!r->alloc) {
                fcr_fail(&r->alloc_why, -ENOSPC, "a block was needed, but no allocator is loaded");
                return EXT2_ET_BLOCK_ALLOC_FAIL;
        }
        if (ctx) {
                req.ino = ctx->ino;
                req.lblk = ctx->lblk;
        }
        e = r->alloc->alloc(&r->actx, &req, &blk);
        if (e < 0 || blk < r->geom.first_data_block || blk >= r->geom.blocks_count ||
            fcr_replay_claimed(r, blk) || fcr_replay_block_taken(r, blk)) {
                fcr_fail(&r->alloc_why, -ENOSPC, "allocator '%s' found no usable block%s", r->alloc->name,
                         e < 0 ? "" : " (it returned one that is not free)");
                return EXT2_ET_BLOCK_ALLOC_FAIL;
        }
        if (fcr_replay_hand_out(r, blk) < 0) {
                fcr_fail(&r->alloc_why, -ENOMEM, "out of memory while allocating a block");
                return EXT2_ET_NO_MEMORY;
        }
        *ret = blk;
        return 0;
}

/* ext2fs_fallocate() (an htree directory growing) asks for ranges.  One
 * block at a time is always a valid answer unless the caller insists on
 * its goal or on a length. */
static errcode_t new_range(ext2_filsys fs, int flags, blk64_t goal, blk64_t len, blk64_t *pblk, blk64_t *plen) {
        struct fcr_replay *r = fs->priv_data;
        blk64_t blk;
        errcode_t e;

        fcr_diag_clear(&r->alloc_why);
        if ((flags & EXT2_NEWRANGE_MIN_LENGTH) && len > 1) {
                fcr_fail(&r->alloc_why, -ENOSPC, "a run of %llu blocks was asked for, but blocks are "
                         "allocated one at a time", (unsigned long long) len);
                return EXT2_ET_BLOCK_ALLOC_FAIL;
        }
        e = get_alloc_block(fs, goal, &blk, NULL);
        if (e)
                return e;
        if ((flags & EXT2_NEWRANGE_FIXED_GOAL) && blk != goal) {
                fcr_fail(&r->alloc_why, -ENOSPC, "block %llu was asked for, but allocator '%s' chose %llu",
                         (unsigned long long) goal, r->alloc->name, (unsigned long long) blk);
                return EXT2_ET_BLOCK_ALLOC_FAIL;
        }
        *pblk = blk;
        *plen = 1;
        r->last_range_blk = blk;
        return 0;
}

static void alloc_stats_range(ext2_filsys fs, blk64_t blk, blk_t num, int inuse) {
        struct fcr_replay *r = fs->priv_data;

        /* Older libext2fs (1.47.0 among them) passes the end of the range
         * and 0 instead of its start and length.  The ranges it takes come
         * from new_range(), one block at a time: the last one handed out
         * ends there. */
        if (num == 0) {
                if (inuse <= 0 || !r->last_range_blk || blk != r->last_range_blk + 1)
                        return;
                blk = r->last_range_blk;
                num = 1;
        }
        for (blk_t i = 0; i < num; i++)
                alloc_stats(fs, blk + i, inuse);
}

void fcr_alloc_host_install(struct fcr_replay *r) {
        r->actx = (struct fcr_alloc_ctx) {
                .abi_version = FCR_ALLOC_ABI_VERSION, .geom = &r->geom, .ops = &alloc_ops, .engine = r,
        };
        r->fs->get_alloc_block2 = get_alloc_block;
        ext2fs_set_block_alloc_stats_callback(r->fs, alloc_stats, NULL);
        ext2fs_set_new_range_callback(r->fs, new_range, NULL);
        ext2fs_set_block_alloc_stats_range_callback(r->fs, alloc_stats_range, NULL);
}

int fcr_alloc_host_reason(const struct fcr_replay *r, errcode_t e, const char **ret_why) {
        if ((e == EXT2_ET_BLOCK_ALLOC_FAIL || e == EXT2_ET_NO_MEMORY) && r->alloc_why.err < 0) {
                *ret_why = r->alloc_why.msg;
                return r->alloc_why.err;
        }
        *ret_why = error_message(e);
        return fcr_errcode_to_errno(e);
}
