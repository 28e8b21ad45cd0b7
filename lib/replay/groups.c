/* Per-group bitmaps, read on first use only: replay must cost what the
 * journal holds, not what the filesystem holds. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "groups.h"
#include "replay_internal.h"

static void set_bit(uint8_t *map, uint64_t bit) {
        map[bit / 8] |= 1 << (bit % 8);
}

/* The block bitmap of a BLOCK_UNINIT group, as the kernel would build it:
 * superblock and descriptor copies, and the group's own bitmaps and inode
 * table where they lie inside the group. */
static void init_block_bitmap(ext2_filsys fs, uint32_t g, uint8_t *map) {
        blk64_t first = ext2fs_group_first_block2(fs, g), last = ext2fs_group_last_block2(fs, g);
        blk64_t super = 0, old_desc = 0, new_desc = 0;
        blk_t used = 0;
        uint64_t nbits = EXT2_CLUSTERS_PER_GROUP(fs->super);
        int ratio_bits = fs->cluster_ratio_bits;
        blk64_t meta[3];

        memset(map, 0, fs->blocksize);
        ext2fs_super_and_bgd_loc2(fs, g, &super, &old_desc, &new_desc, &used);
        if (super || g == 0)
                set_bit(map, ((super ? super : first) - first) >> ratio_bits);
        if (old_desc) {
                blk64_t n = fs->desc_blocks + fs->super->s_reserved_gdt_blocks;

                for (blk64_t b = old_desc; b < old_desc + n && b <= last; b++)
                        set_bit(map, (b - first) >> ratio_bits);
        }
        if (new_desc)
                set_bit(map, (new_desc - first) >> ratio_bits);
        meta[0] = ext2fs_block_bitmap_loc(fs, g);
        meta[1] = ext2fs_inode_bitmap_loc(fs, g);
        meta[2] = ext2fs_inode_table_loc(fs, g);
        for (int i = 0; i < 3; i++) {
                blk64_t n = i == 2 ? fs->inode_blocks_per_group : 1;

                for (blk64_t b = meta[i]; b && b < meta[i] + n; b++)
                        if (b >= first && b <= last)
                                set_bit(map, (b - first) >> ratio_bits);
        }
        /* Bits past the end of the filesystem read as used. */
        for (uint64_t bit = ((last - first) >> ratio_bits) + 1; bit < nbits; bit++)
                set_bit(map, bit);
}

static int load(struct fcr_replay *r, uint32_t g, struct grp_cache **ret) {
        ext2_filsys fs = r->fs;
        struct grp_cache *c = r->groups[g];
        errcode_t e;

        if (c) {
                *ret = c;
                return 0;
        }
        /* The descriptors are read on demand (EXT2_FLAG_SUPER_ONLY): the
         * ones the replay uses are verified here, the others are e2fsck's. */
        if (!ext2fs_group_desc(fs, NULL, g))
                return r->group_error = fcr_fail(r->d, -EIO, "cannot read the descriptor of group %u", g);
        if (!ext2fs_group_desc_csum_verify(fs, g))
                return r->group_error = fcr_fail(r->d, -EUCLEAN, "the descriptor of group %u fails its checksum", g);
        c = calloc(1, sizeof(*c) + 2 * fs->blocksize);
        if (!c)
                return -ENOMEM;
        c->old_free_clusters = ext2fs_bg_free_blocks_count(fs, g);
        c->old_free_inodes = ext2fs_bg_free_inodes_count(fs, g);
        c->bbm = c->buf;
        c->ibm = c->buf + fs->blocksize;
        c->block_uninit = ext2fs_has_group_desc_csum(fs) && ext2fs_bg_flags_test(fs, g, EXT2_BG_BLOCK_UNINIT);
        c->inode_uninit = ext2fs_has_group_desc_csum(fs) && ext2fs_bg_flags_test(fs, g, EXT2_BG_INODE_UNINIT);
        if (c->block_uninit)
                init_block_bitmap(fs, g, c->bbm);
        else {
                e = io_channel_read_blk64(fs->io, ext2fs_block_bitmap_loc(fs, g), 1, c->bbm);
                if (e) {
                        free(c);
                        return fcr_fail(r->d, -EIO, "cannot read the block bitmap of group %u", g);
                }
        }
        if (!c->inode_uninit) {
                e = io_channel_read_blk64(fs->io, ext2fs_inode_bitmap_loc(fs, g), 1, c->ibm);
                if (e) {
                        free(c);
                        return fcr_fail(r->d, -EIO, "cannot read the inode bitmap of group %u", g);
                }
        }
        r->groups[g] = c;
        *ret = c;
        return 0;
}

int fcr_group_inode_bitmap(struct fcr_replay *r, uint32_t g, uint8_t **ret) {
        struct grp_cache *c;
        int e = load(r, g, &c);

        if (e < 0)
                return e;
        *ret = c->ibm;
        return 0;
}

struct grp_cache *fcr_group_get(struct fcr_replay *r, uint32_t g) {
        struct grp_cache *c;

        return load(r, g, &c) < 0 ? NULL : c;
}

/* libext2fs keeps the descriptors in fs->group_desc in host order: the
 * block read raw is turned into that, and back before it is written. */
static void desc_block_swap(ext2_filsys fs, char *block) {
#ifdef WORDS_BIGENDIAN
        for (int i = 0; i < EXT2_DESC_PER_BLOCK(fs->super); i++)
                ext2fs_swap_group_desc2(fs, (struct ext2_group_desc *) (block + i * EXT2_DESC_SIZE(fs->super)));
#else
        (void) fs;
        (void) block;
#endif
}

/* libext2fs's setters write into fs->group_desc, which SUPER_ONLY leaves
 * empty: while group g is changed, its descriptor block sits in a sparse
 * table (only the blocks written become resident), then goes to the
 * overlay, where later on-demand reads find it. */
int fcr_group_desc_begin(struct fcr_replay *r, uint32_t g) {
        ext2_filsys fs = r->fs;
        unsigned idx = g / EXT2_DESC_PER_BLOCK(fs->super);
        blk64_t loc = ext2fs_descriptor_block_loc2(fs, fs->super->s_first_data_block, idx);

        if (!r->desc_table) {
                size_t size = (size_t) fs->desc_blocks * fs->blocksize;
                void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

                if (p == MAP_FAILED)
                        return -ENOMEM;
                r->desc_table = p;
                r->desc_table_size = size;
        }
        if (io_channel_read_blk64(fs->io, loc, 1, r->desc_table + (size_t) idx * fs->blocksize))
                return fcr_fail(r->d, -EIO, "cannot read group descriptor block %u", idx);
        desc_block_swap(fs, r->desc_table + (size_t) idx * fs->blocksize);
        fs->group_desc = (struct opaque_ext2_group_desc *) r->desc_table;
        return 0;
}

/* ret: how the changes went; the table is let go of either way. */
int fcr_group_desc_end(struct fcr_replay *r, uint32_t g, int ret) {
        ext2_filsys fs = r->fs;
        unsigned idx = g / EXT2_DESC_PER_BLOCK(fs->super);
        blk64_t loc = ext2fs_descriptor_block_loc2(fs, fs->super->s_first_data_block, idx);

        if (ret >= 0)
                ext2fs_group_desc_csum_set(fs, g);
        fs->group_desc = NULL;
        if (ret < 0)
                return ret;
        desc_block_swap(fs, r->desc_table + (size_t) idx * fs->blocksize);
        if (io_channel_write_blk64(fs->io, loc, 1, r->desc_table + (size_t) idx * fs->blocksize))
                return fcr_fail(r->d, -EIO, "cannot write group descriptor block %u", idx);
        return 0;
}

void fcr_groups_free(struct fcr_replay *r) {
        if (r->desc_table)
                munmap(r->desc_table, r->desc_table_size);
        r->desc_table = NULL;
        if (!r->groups)
                return;
        for (uint32_t g = 0; g < r->geom.group_count; g++)
                free(r->groups[g]);
        free(r->groups);
        r->groups = NULL;
}
