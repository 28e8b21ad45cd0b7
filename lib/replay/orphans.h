/* Orphan inodes: files unlinked while open, truncates in flight.  The
 * kernel's mount finishes them after journal recovery (delete those with
 * no links, truncate the others to i_size, empty the list); so does
 * e2fsck.  fcreplay does it in the replay view, after the fast commits,
 * so that the result is committed with the rest of the replay.
 *
 * Two places hold orphans: the superblock's s_last_orphan chain (linked
 * through each inode's i_dtime) and, with the orphan_file feature, the
 * blocks of the orphan file (arrays of le32 inode numbers). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct fcr_replay;

enum fcr_orphan_action {
        FCR_ORPHAN_DELETE,              /* no links left */
        FCR_ORPHAN_TRUNCATE,            /* linked: blocks past i_size go */
        FCR_ORPHAN_UNLIST,              /* linked, nothing to truncate */
};

struct fcr_orphan {
        uint32_t ino;
        bool in_file;                   /* from the orphan file, else the list */
        enum fcr_orphan_action action;
        uint64_t size;                  /* i_size */
        uint16_t links;
        size_t blocks_freed;            /* after release */
};

struct fcr_orphan_block {
        uint64_t lblk, pblk;
};

struct fcr_orphans {
        struct fcr_orphan *v;
        size_t n, cap;
        uint32_t list_head;             /* s_last_orphan */
        uint32_t file_ino;              /* orphan file inode; 0 without one */
        bool present;                   /* the orphan_present flag */
        struct fcr_orphan_block *blocks;/* orphan-file blocks holding entries */
        size_t nr_blocks, cap_blocks;
        char skipped[256];              /* why they are left alone; "" if not */
        /* The list is damaged at an entry: the orphans before it are
         * released and the head cleared, as the kernel's mount does. */
        char list_damage[256];
        /* The orphan file is damaged: the kernel fails the mount, the
         * replay refuses. */
        char refused[256];
        bool released;
};

/* Whether the superblock says there may be orphans to clean up. */
bool fcr_orphans_possible(const struct ext2_super_block *sb);

/* Collect the orphans of fs: walk the list, read the orphan file.  None
 * of these is a failure here:
 * - a filesystem with errors (errors also covers an error recorded in
 *   the journal), or a damaged entry in the orphan file: ret->skipped
 *   says why the orphans are left to e2fsck;
 * - a damaged list entry (an impossible inode number, a loop, an inode
 *   not in use): the walk stops there, ret->list_damage says so, and the
 *   orphans before it stay in ret, as the kernel's ext4_orphan_cleanup()
 *   processes them;
 * - a damaged orphan file (not a regular file, a block unmapped, a bad
 *   magic or checksum): ret->refused says so; the kernel fails the mount
 *   (ext4_init_orphan_info) and fcr_orphans_release() refuses.
 * in_use (may be NULL) says whether an inode is in use in fs's view.
 * Reads only; a negative errno on I/O or memory failure. */
int fcr_orphans_find(ext2_filsys fs, bool errors, bool (*in_use)(void *userdata, uint32_t ino),
                     void *userdata, struct fcr_orphans *ret);

/* Find and release the orphans of the replay view, before its finish
 * step: mark unlinked ones for deletion (the finish step deletes them),
 * truncate linked ones to i_size, empty the list and the orphan-file
 * blocks, clear orphan_present.  A damaged list: the orphans before the
 * damage, then the head cleared and the filesystem marked with errors,
 * as the kernel's ext4_error() does.  A damaged orphan file: -EUCLEAN.
 * With quota (the feature or quota inodes), the orphans are left for the
 * kernel's mount: deleting them changes usage, and fcreplay does not
 * write quota files.  Writes only to the replay view. */
int fcr_orphans_release(struct fcr_replay *r, bool errors, struct fcr_orphans *o);

/* Whether anything would change: orphans, a list head or the flag. */
bool fcr_orphans_pending(const struct fcr_orphans *o);

const char *fcr_orphan_action_str(enum fcr_orphan_action a);
void fcr_orphans_done(struct fcr_orphans *o);
