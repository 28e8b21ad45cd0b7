/* Internal to the tag services (struct fcr_replay_ops): one file per
 * concern, inode replay, extents, directory entries and directory
 * growth, and the helpers they share (replay_ops.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>
#include "replay_internal.h"

static inline struct fcr_replay *replay_of(struct fcr_replay_ctx *c) {
        return c->engine;
}

/* Record why a libext2fs call on inode ino failed, keeping the
 * allocator's reason when that is what failed; returns a negative errno. */
int fcr_replay_fail_e2(struct fcr_replay *r, errcode_t e, const char *what, uint32_t ino);
bool fcr_replay_valid_ino(struct fcr_replay *r, uint32_t ino);
/* An inode the kernel's replay never touches (ext4_iget() without
 * EXT4_IGET_SPECIAL fails on it): the reserved ones but the root, the
 * quota inodes and the orphan file.  A tag naming one is skipped where
 * the kernel skips it, refused where the kernel fails the mount. */
bool fcr_replay_special_ino(struct fcr_replay *r, uint32_t ino);
/* 1: ino is allocated and has a mode, read into *inode; 0: not, or
 * special, a note says it was skipped (as the kernel skips it); < 0:
 * failure. */
int fcr_replay_load_live(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode);

/* Blocks [pblk, pblk + len) may become inode ino's data: none of them
 * is the filesystem's own (superblock, descriptors, bitmaps, inode
 * tables, the journal), which the kernel's replay refuses to mark in use
 * ("Marking blocks in system zone").  -EUCLEAN otherwise. */
int fcr_replay_check_mappable(struct fcr_replay *r, uint32_t ino, uint64_t pblk, uint32_t len);

/* inode_replay.c */
int fcr_op_inode_replay(struct fcr_replay_ctx *c, uint32_t ino, const uint8_t *raw, uint32_t raw_len);
/* extent_ops.c */
int fcr_op_map_range(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len, uint64_t pblk,
                     bool unwritten);
int fcr_op_unmap_range(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len);
/* dirent_ops.c */
int fcr_op_add_entry(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino, const char *name,
                     unsigned name_len, bool create);
int fcr_op_remove_entry(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino, const char *name,
                        unsigned name_len);
/* dir_grow.c: one empty block more for directory dir. */
errcode_t fcr_dir_grow(ext2_filsys fs, ext2_ino_t dir);
