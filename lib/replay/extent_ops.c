/* The ADD_RANGE and DEL_RANGE services: blocks mapped into and
 * unmapped from an extent tree. */
#include "blocks.h"
#include "replay_ops.h"

/* Bigalloc: every block of a logical cluster lives in the one physical
 * cluster the first block mapped.  The log can leave a block of the
 * cluster it maps mapped elsewhere, when it did not record that block's
 * removal (a truncate that drops preallocated blocks past EOF without
 * changing the size logs no range).  Such a block is stale, and the file
 * had no data in it: it is unmapped, from the first and the last logical
 * cluster of [lblk, lblk+len); those in between are mapped whole. */
static errcode_t drop_stale_cluster_blocks(struct fcr_replay *r, ext2_extent_handle_t h, uint32_t ino,
                                           struct ext2_inode *inode, uint32_t lblk, uint32_t len, uint64_t pblk,
                                           unsigned *ret_dropped) {
        ext2_filsys fs = r->fs;
        uint64_t ratio = EXT2FS_CLUSTER_RATIO(fs), end = (uint64_t) lblk + len;
        uint64_t firsts[2] = { lblk & ~(ratio - 1), (end - 1) & ~(ratio - 1) };
        uint64_t want[2] = { EXT2FS_B2C(fs, pblk), EXT2FS_B2C(fs, pblk + len - 1) };
        unsigned dropped = 0;
        errcode_t e = 0;

        for (int k = 0; k < 2 && !e; k++) {
                if (k == 1 && firsts[1] == firsts[0])
                        break;
                for (uint64_t b = firsts[k]; b < firsts[k] + ratio && b <= UINT32_MAX && !e; b++) {
                        blk64_t old = 0;

                        if (b >= lblk && b < end)
                                continue;
                        e = ext2fs_bmap2(fs, ino, inode, NULL, 0, b, NULL, &old);
                        if (e || old == 0 || EXT2FS_B2C(fs, old) == want[k])
                                continue;
                        e = ext2fs_extent_set_bmap(h, b, 0, 0);
                        if (!e)
                                e = ext2fs_read_inode(fs, ino, inode);
                        if (!e) {
                                fcr_replay_event(r, old, false);
                                r->nr_blocks_freed++;
                                dropped++;
                        }
                }
        }
        if (!e)
                *ret_dropped = dropped;
        return e;
}

/* How many blocks from lblk on the tree already maps as asked, one
 * extent at a time (0: not the first): a log that maps the same range
 * again and again costs a lookup per extent, not per block. */
static uint32_t already_mapped(ext2_extent_handle_t h, uint32_t lblk, uint32_t len, uint64_t pblk, bool unwritten) {
        struct ext2fs_extent ex;
        uint64_t n;

        if (ext2fs_extent_goto2(h, 0, lblk) || ext2fs_extent_get(h, EXT2_EXTENT_CURRENT, &ex))
                return 0;
        if (lblk < ex.e_lblk || lblk >= ex.e_lblk + ex.e_len || ex.e_pblk + (lblk - ex.e_lblk) != pblk ||
            !!(ex.e_flags & EXT2_EXTENT_FLAGS_UNINIT) != unwritten)
                return 0;
        n = ex.e_lblk + ex.e_len - lblk;
        return n < len ? (uint32_t) n : len;
}

int fcr_op_map_range(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len,
                        uint64_t pblk, bool unwritten) {
        struct fcr_replay *r = replay_of(c);
        struct ext2_inode inode;
        ext2_extent_handle_t h = NULL;
        unsigned added = 0, remapped = 0, converted = 0, dropped = 0;
        struct ino_state *s;
        errcode_t e = 0;
        int ret;

        ret = fcr_replay_load_live(r, ino, &inode);
        if (ret <= 0)
                return ret;
        if (!(inode.i_flags & EXT4_EXTENTS_FL) || (inode.i_flags & EXT4_INLINE_DATA_FL)) {
                fcr_replay_note(r, "ino %u has no extent tree, skipped", ino);
                return 0;
        }
        if (pblk + len > r->geom.blocks_count || pblk < r->geom.first_data_block)
                return fcr_fail(r->d, -EUCLEAN, "ADD_RANGE maps inode %u to blocks %llu..+%u, outside the filesystem",
                                ino, (unsigned long long) pblk, len);
        ret = fcr_replay_check_mappable(r, ino, pblk, len);
        if (ret < 0)
                return ret;
        s = fcr_replay_inode(r, ino);
        if (!s)
                return -ENOMEM;
        s->flags |= INO_MODIFIED;
        e = ext2fs_extent_open2(r->fs, ino, &inode, &h);
        if (e)
                return fcr_replay_fail_e2(r, e, "opening the extent tree", ino);
        if (len && r->fs->cluster_ratio_bits)
                e = drop_stale_cluster_blocks(r, h, ino, &inode, lblk, len, pblk, &dropped);
        for (uint32_t i = 0, run; i < len && !e; i++) {
                blk64_t old = 0;
                int flags = 0;

                ret = fcr_replay_work(r, 1);
                if (ret < 0)
                        break;
                run = already_mapped(h, lblk + i, len - i, pblk + i, unwritten);
                if (run) {
                        i += run - 1;
                        continue;
                }
                e = ext2fs_bmap2(r->fs, ino, &inode, NULL, 0, lblk + i, &flags, &old);
                if (e)
                        break;
                if (old == pblk + i && !!(flags & BMAP_RET_UNINIT) == unwritten)
                        continue;
                if (old && old != pblk + i) {
                        fcr_replay_event(r, old, false);
                        r->nr_blocks_freed++;
                        remapped++;
                } else if (old)
                        converted++;
                else
                        added++;
                e = ext2fs_extent_set_bmap(h, lblk + i, pblk + i, unwritten ? EXT2_EXTENT_SET_BMAP_UNINIT : 0);
                if (e)
                        break;
                /* set_bmap may have rewritten the root in the inode. */
                e = ext2fs_read_inode(r->fs, ino, &inode);
                if (e)
                        break;
        }
        ext2fs_extent_free(h);
        if (ret < 0)
                return ret;
        if (e)
                return fcr_replay_fail_e2(r, e, "mapping blocks", ino);
        fcr_replay_note(r, "ino %u: blocks %u..%u -> %llu..%llu%s (%u new, %u remapped, %u state changed)", ino,
                        lblk, lblk + len - 1, (unsigned long long) pblk, (unsigned long long) (pblk + len - 1),
                        unwritten ? " unwritten" : "", added, remapped, converted);
        if (dropped)
                fcr_replay_note(r, "ino %u: %u stale block(s) of the same logical clusters mapped to another "
                                "physical cluster, unmapped (bigalloc)", ino, dropped);
        return 0;
}

/* libext2fs subtracts what it frees from i_blocks and fails (EOVERFLOW)
 * below zero, after the tree has changed.  Mappings the replay added are
 * not counted yet: the finish step recounts i_blocks of every modified
 * inode, so a punch starts from the middle of the range, with room both
 * for what it frees and for the tree nodes a split adds. */
static errcode_t uncounted_iblocks(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode) {
        inode->i_blocks = UINT32_C(1) << 31;
        if (ext2fs_has_feature_huge_file(r->fs->super))
                inode->osd2.linux2.l_i_blocks_hi = UINT16_MAX >> 1;
        return ext2fs_write_inode(r->fs, ino, inode);
}

/* libext2fs before 1.47.3 (upstream commit 509da989) refuses to punch a
 * run of blocks that ends at the filesystem's last block ("Illegal block
 * number").  If [lblk, end] maps that block, unmap it here first, so that
 * ext2fs_punch never frees a run that reaches it. */
static errcode_t unmap_last_fs_block(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode, uint64_t lblk,
                                     uint64_t end) {
        ext2_extent_handle_t h;
        struct ext2fs_extent ex;
        uint64_t last = r->geom.blocks_count - 1, l = 0;
        bool found = false;
        errcode_t e;

        e = ext2fs_extent_open2(r->fs, ino, inode, &h);
        if (e)
                return e;
        for (e = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &ex); !e; e = ext2fs_extent_get(h, EXT2_EXTENT_NEXT_LEAF, &ex)) {
                if (!(ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) || ex.e_len == 0)
                        continue;
                l = ex.e_lblk + ex.e_len - 1;
                if (ex.e_pblk + ex.e_len - 1 == last && l >= lblk && l <= end) {
                        found = true;
                        break;
                }
        }
        if (e == EXT2_ET_EXTENT_NO_NEXT || e == EXT2_ET_EXTENT_NO_DOWN)
                e = 0;
        if (!e && found) {
                e = ext2fs_extent_set_bmap(h, l, 0, 0);
                if (!e)
                        ext2fs_block_alloc_stats2(r->fs, last, -1);
        }
        ext2fs_extent_free(h);
        /* set_bmap may have rewritten the root in the inode. */
        if (!e && found)
                e = ext2fs_read_inode(r->fs, ino, inode);
        return e;
}

int fcr_op_unmap_range(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len) {
        struct fcr_replay *r = replay_of(c);
        struct ext2_inode inode;
        struct ino_state *s;
        uint64_t end;
        errcode_t e;
        int ret;

        ret = fcr_replay_load_live(r, ino, &inode);
        if (ret <= 0)
                return ret;
        if (inode.i_flags & EXT4_INLINE_DATA_FL) {
                fcr_replay_note(r, "ino %u has inline data, skipped", ino);
                return 0;
        }
        if (len == 0)
                return 0;
        s = fcr_replay_inode(r, ino);
        if (!s)
                return -ENOMEM;
        s->flags |= INO_MODIFIED;
        end = (uint64_t) lblk + len - 1;
        e = uncounted_iblocks(r, ino, &inode);
        if (!e && (inode.i_flags & EXT4_EXTENTS_FL))
                e = unmap_last_fs_block(r, ino, &inode, lblk, end);
        if (!e)
                e = uncounted_iblocks(r, ino, &inode);
        if (!e)
                e = ext2fs_punch(r->fs, ino, &inode, NULL, lblk, end);
        if (e)
                return fcr_replay_fail_e2(r, e, "unmapping blocks", ino);
        fcr_replay_note(r, "ino %u: blocks %u..%llu unmapped", ino, lblk, (unsigned long long) end);
        return 0;
}

