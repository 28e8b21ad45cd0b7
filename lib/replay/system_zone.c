#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "system_zone.h"
#include <fcreplay/util.h>

const char *fcr_zone_kind_str(enum fcr_zone_kind k) {
        switch (k) {
        case FCR_ZONE_SUPER: return "a superblock";
        case FCR_ZONE_DESC: return "the group descriptors";
        case FCR_ZONE_BLOCK_BITMAP: return "a block bitmap";
        case FCR_ZONE_INODE_BITMAP: return "an inode bitmap";
        case FCR_ZONE_INODE_TABLE: return "an inode table";
        case FCR_ZONE_JOURNAL: return "the journal";
        }
        return "metadata";
}

static int add(struct fcr_system_zone *z, uint64_t start, uint64_t len, uint32_t g, enum fcr_zone_kind kind) {
        struct fcr_zone_range *last = z->n ? &z->v[z->n - 1] : NULL, *r;

        if (len == 0)
                return 0;
        /* The journal comes block by block: runs of it are one range. */
        if (last && last->kind == kind && last->group == g && last->start + last->len == start) {
                last->len += len;
                return 0;
        }
        r = FCR_PUSH(z->v, z->n, z->cap);
        if (!r)
                return -ENOMEM;
        *r = (struct fcr_zone_range) { .start = start, .len = len, .group = g, .kind = kind };
        return 0;
}

static int add_group(ext2_filsys fs, struct fcr_system_zone *z, dgrp_t g) {
        blk64_t super = 0, old_desc = 0, new_desc = 0;
        blk_t used = 0;
        int r;

        ext2fs_super_and_bgd_loc2(fs, g, &super, &old_desc, &new_desc, &used);
        r = add(z, super || g == 0 ? (super ? super : fs->super->s_first_data_block) : 0, super || g == 0, g,
                FCR_ZONE_SUPER);
        if (r == 0 && old_desc)
                r = add(z, old_desc, fs->desc_blocks + fs->super->s_reserved_gdt_blocks, g, FCR_ZONE_DESC);
        if (r == 0 && new_desc)
                r = add(z, new_desc, 1, g, FCR_ZONE_DESC);
        if (r == 0)
                r = add(z, ext2fs_block_bitmap_loc(fs, g), 1, g, FCR_ZONE_BLOCK_BITMAP);
        if (r == 0)
                r = add(z, ext2fs_inode_bitmap_loc(fs, g), 1, g, FCR_ZONE_INODE_BITMAP);
        if (r == 0)
                r = add(z, ext2fs_inode_table_loc(fs, g), fs->inode_blocks_per_group, g, FCR_ZONE_INODE_TABLE);
        return r;
}

static int add_journal_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt, blk64_t ref_blk,
                             int ref_offset, void *priv) {
        return add(priv, *blocknr, 1, 0, FCR_ZONE_JOURNAL) < 0 ? BLOCK_ABORT : 0;
}

static int cmp_range(const void *a, const void *b) {
        const struct fcr_zone_range *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

int fcr_system_zone_build(ext2_filsys fs, struct fcr_system_zone *ret, char *why, size_t why_len) {
        struct fcr_system_zone z = {};
        int r = 0;

        for (dgrp_t g = 0; g < fs->group_desc_count && r == 0; g++) {
                if (!ext2fs_group_desc(fs, fs->group_desc, g)) {
                        snprintf(why, why_len, "cannot read the descriptor of group %u", g);
                        r = -EUCLEAN;
                } else
                        r = add_group(fs, &z, g);
        }
        /* The journal inode's blocks, its tree's included, as the kernel's
         * ext4_protect_reserved_inode() has them. */
        if (r == 0 && ext2fs_has_feature_journal(fs->super) && fs->super->s_journal_inum &&
            ext2fs_block_iterate3(fs, fs->super->s_journal_inum, BLOCK_FLAG_READ_ONLY, NULL, add_journal_block, &z)) {
                snprintf(why, why_len, "cannot read the journal inode's block map");
                r = -EUCLEAN;
        }
        if (r < 0) {
                fcr_system_zone_done(&z);
                return r;
        }
        if (z.n)
                qsort(z.v, z.n, sizeof(*z.v), cmp_range);
        *ret = z;
        return 0;
}

void fcr_system_zone_done(struct fcr_system_zone *z) {
        free(z->v);
        *z = (struct fcr_system_zone) {};
}

const struct fcr_zone_range *fcr_system_zone_find(const struct fcr_system_zone *z, uint64_t start, uint64_t len) {
        size_t lo = 0, hi = z->n;

        /* The first range that ends after start; the ranges do not
         * overlap, so their ends are in order too. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (z->v[mid].start + z->v[mid].len <= start)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < z->n && z->v[lo].start < start + len ? &z->v[lo] : NULL;
}
