/* The superblock's backup of the journal inode: a copy of its i_block
 * (s_jnl_blocks[0..14]) and size ([15] high, [16] low), kept when
 * s_jnl_backup_type is EXT3_JNL_BACKUP_BLOCKS.  When the journal inode
 * is damaged in the inode table, e2fsck finds the journal through it;
 * so does fcreplay, and the replay then restores the inode from it. */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>
#include "diag.h"
#include "io/journal_io.h"

struct fcr_replay;

/* Open the journal through the backup, after the inode itself failed
 * for the reason in inode_damage.  The backup must be of the right type,
 * its map must parse and lie inside the filesystem, and the journal
 * superblock it leads to must be valid (magic, checksum).  Fails with
 * -EUCLEAN, d naming both what is wrong with the inode and with the
 * backup.  Reads only. */
int fcr_journal_open_backup(ext2_filsys fs, const char *inode_damage, struct fcr_journal **ret,
                            struct fcr_diag *d);

/* In the replay view, make the journal inode the backup's again, as
 * e2fsck leaves it: regular, one link, the backup's size and map,
 * extent-mapped if the map is an extent tree; i_blocks and the checksum
 * follow in the finish step.  *restored: whether anything changed (the
 * jbd2 replay may have brought the inode back already). */
int fcr_journal_restore_inode(struct fcr_replay *r, bool *restored);
