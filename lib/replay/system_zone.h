/* The filesystem's own blocks, which no file may map and the log may only
 * write as what they are: superblocks and group descriptors (with the
 * reserved descriptor blocks), bitmaps, inode tables, and the journal
 * inode's blocks, as the kernel's block_validity has them (its "system
 * zone"; fs/ext4/block_validity.c).  Built from every group's descriptor
 * of fs, at the first need. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

enum fcr_zone_kind {
        FCR_ZONE_SUPER,                 /* a superblock, primary or backup */
        FCR_ZONE_DESC,                  /* group descriptors, reserved ones included */
        FCR_ZONE_BLOCK_BITMAP,
        FCR_ZONE_INODE_BITMAP,
        FCR_ZONE_INODE_TABLE,
        FCR_ZONE_JOURNAL,               /* the journal inode's blocks */
};

struct fcr_zone_range {
        uint64_t start, len;
        uint32_t group;                 /* whose metadata (the journal: 0) */
        enum fcr_zone_kind kind;
};

struct fcr_system_zone {
        struct fcr_zone_range *v;       /* sorted by start */
        size_t n, cap;
};

/* -EUCLEAN (d says why) when a descriptor cannot be read. */
int fcr_system_zone_build(ext2_filsys fs, struct fcr_system_zone *ret, char *why, size_t why_len);
void fcr_system_zone_done(struct fcr_system_zone *z);
/* The first range that [start, start + len) overlaps, or NULL. */
const struct fcr_zone_range *fcr_system_zone_find(const struct fcr_system_zone *z, uint64_t start, uint64_t len);
const char *fcr_zone_kind_str(enum fcr_zone_kind k);
