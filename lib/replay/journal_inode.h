/* The journal inode in the replay view (see journal_inode.c). */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>

struct fcr_replay;

/* In the replay view, make the journal inode the backup's again, as
 * e2fsck leaves it: regular, one link, the backup's size and map,
 * extent-mapped if the map is an extent tree; i_blocks and the checksum
 * follow in the finish step.  *restored: whether anything changed (the
 * jbd2 replay may have brought the inode back already: a regular file
 * with links is left as the log made it).  The backup comes from the
 * view's superblock, else from at_open, the superblock the journal was
 * opened with (then copied into the view's). */
int fcr_journal_restore_inode(struct fcr_replay *r, const struct ext2_super_block *at_open, bool *restored);
