/* Block access to the journal, wherever it lives: in the journal inode of
 * the filesystem (mapped as runs of contiguous blocks) or on an external journal
 * device (a fixed offset). */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/diag.h>
#include "device.h"

struct fcr_journal_run {
        uint64_t lblk;
        blk64_t pblk;
        uint64_t len;
};

struct fcr_journal {
        io_channel io;          /* channel the journal blocks live on */
        uint32_t blocksize;
        uint64_t nblocks;       /* journal blocks that exist */
        struct fcr_journal_run *runs; /* internal journal: logical -> physical, */
        size_t nr_runs, alloc_runs;   /* sorted and gapless from block 0 */
        blk64_t sb_block;       /* external journal: where its superblock is;
                                 * log block numbers are device blocks */
        ext2_filsys ext_fs;     /* external journal device, opened by us */
        struct fcr_device ext_dev;      /* its one descriptor */
        const char *ext_path;   /* ext_dev.path; NULL: an internal journal */
        bool from_backup;       /* mapped through the superblock's backup */
        char inode_damage[512]; /* then: what is wrong with the inode */
};

/* The journal in the filesystem's journal inode.  -EUCLEAN: the inode
 * is unusable (d says why); see journal_backup.h. */
int fcr_journal_open_internal(ext2_filsys fs, struct fcr_journal **ret, struct fcr_diag *d);

/* The journal whose block map is inode's (inode number ino, named what
 * in messages), whether on disk or not: every block below i_size must be
 * mapped inside the filesystem. */
int fcr_journal_map(ext2_filsys fs, ext2_ino_t ino, const struct ext2_inode *inode, const char *what,
                    struct fcr_journal **ret, struct fcr_diag *d);

/* The journal of fs (on device, for messages), in journal_open.c: 0 with
 * *ret NULL when fs has none; its inode, or the backup of a damaged one;
 * or its external journal device, journal_dev or the one whose UUID the
 * superblock names (a fresh libblkid probe; two such devices are
 * -ENOTUNIQ).  The external journal is opened once, read-write and
 * exclusively when rw, and its user list must hold fs's UUID (-EUCLEAN:
 * another filesystem's journal).  journal_dev with an internal journal,
 * or without one, is -EINVAL. */
int fcr_journal_open(ext2_filsys fs, const char *device, const char *journal_dev, bool rw,
                     struct fcr_journal **ret, struct fcr_diag *d);

/* Right before the first write: the journal superblock on the device is
 * still jsb (the block as scanned), and an external journal's device is
 * the disk opened (fcr_fs_recheck()).  fs_dev: the filesystem's, where an
 * internal journal lives.  -ESTALE otherwise. */
int fcr_journal_recheck(const struct fcr_journal *j, const struct fcr_device *fs_dev, const uint8_t *jsb,
                        struct fcr_diag *d);

void fcr_journal_free(struct fcr_journal *j);

blk64_t fcr_journal_phys(const struct fcr_journal *j, uint64_t lblk);
int fcr_journal_read(struct fcr_journal *j, uint64_t lblk, void *buf);
int fcr_journal_write(struct fcr_journal *j, uint64_t lblk, const void *buf);
int fcr_journal_flush(struct fcr_journal *j);

/* Close a libext2fs handle without letting it write: ext2fs_close()
 * would flush its in-memory superblock (and s_kbytes_written) over what
 * the replay wrote. */
void fcr_fs_close_nowrite(ext2_filsys *fs);

/* libext2fs error code to a negative errno. */
int fcr_errcode_to_errno(errcode_t e);
