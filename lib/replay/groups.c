/* Per-group bitmaps, read on first use only: replay must cost what the
 * journal holds, not what the filesystem holds. */
#include <stdlib.h>
#include <string.h>
#include "groups.h"
#include "replay.h"

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
        c = calloc(1, sizeof(*c) + 2 * fs->blocksize);
        if (!c)
                return -ENOMEM;
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

void fcr_groups_free(struct fcr_replay *r) {
        if (!r->groups)
                return;
        for (uint32_t g = 0; g < r->geom.group_count; g++)
                free(r->groups[g]);
        free(r->groups);
        r->groups = NULL;
}
