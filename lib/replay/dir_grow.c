/* Directory growth: one empty block more for a directory whose blocks
 * are full (an inline directory moves out to a block instead). */
#include "replay_ops.h"

/* Exported by libext2fs (since 1.43) but declared only in its private
 * header: moves an inline directory out to a block of its own. */
errcode_t ext2fs_inline_data_expand(ext2_filsys fs, ext2_ino_t ino);

/* ext2fs_expand_dir() insists on a loaded block bitmap, which replay
 * never loads (it reads only the groups it touches): add one empty block
 * to the directory through the allocator hook instead. */
errcode_t fcr_dir_grow(ext2_filsys fs, ext2_ino_t dir) {
        struct ext2_inode inode;
        blk64_t lblk, pblk = 0, prev = 0;
        bool fresh = true;
        char *block = NULL;
        errcode_t e;

        e = ext2fs_read_inode(fs, dir, &inode);
        if (e)
                return e;
        if (inode.i_flags & EXT4_INLINE_DATA_FL)
                return ext2fs_inline_data_expand(fs, dir);
        lblk = EXT2_I_SIZE(&inode) / fs->blocksize;
        /* With bigalloc the cluster of the last block may have room. */
        if (lblk > 0 && !ext2fs_bmap2(fs, dir, &inode, NULL, 0, lblk - 1, NULL, &prev) && prev &&
            EXT2FS_B2C(fs, prev) == EXT2FS_B2C(fs, prev + 1)) {
                pblk = prev + 1;
                fresh = false;
        } else {
                e = ext2fs_new_block2(fs, ext2fs_find_inode_goal(fs, dir, &inode, lblk), NULL, &pblk);
                if (e)
                        return e;
                ext2fs_block_alloc_stats2(fs, pblk, +1);
        }
        e = ext2fs_new_dir_block(fs, 0, 0, &block);
        if (!e)
                e = ext2fs_write_dir_block4(fs, pblk, block, 0, dir);
        ext2fs_free_mem(&block);
        if (!e)
                e = ext2fs_bmap2(fs, dir, &inode, NULL, BMAP_SET, lblk, NULL, &pblk);
        /* bmap may have grown the extent tree and written the inode. */
        if (!e)
                e = ext2fs_read_inode(fs, dir, &inode);
        if (!e)
                e = ext2fs_inode_size_set(fs, &inode, EXT2_I_SIZE(&inode) + fs->blocksize);
        if (e)
                return e;
        if (fresh)
                ext2fs_iblk_add_blocks(fs, &inode, 1);
        return ext2fs_write_inode(fs, dir, &inode);
}

