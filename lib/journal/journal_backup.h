/* The superblock's backup of the journal inode: a copy of its i_block
 * (s_jnl_blocks[0..14]) and size ([15] high, [16] low), kept when
 * s_jnl_backup_type is EXT3_JNL_BACKUP_BLOCKS.  When the journal inode
 * is damaged in the inode table, e2fsck finds the journal through it;
 * so does fcreplay, and the replay then restores the inode from it. */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/diag.h>
#include "io/journal_io.h"

/* Open the journal through the backup, after the inode itself failed
 * for the reason in inode_damage.  The backup must be of the right type,
 * its map must parse and lie inside the filesystem, and the journal
 * superblock it leads to must be valid (magic, checksum).  Fails with
 * -EUCLEAN, d naming both what is wrong with the inode and with the
 * backup.  Reads only. */
int fcr_journal_open_backup(ext2_filsys fs, const char *inode_damage, struct fcr_journal **ret,
                            struct fcr_diag *d);

/* The journal inode as the backup in sb describes it: -EUCLEAN when sb
 * holds no backup of a block map. */
int fcr_journal_backup_inode(ext2_filsys fs, const struct ext2_super_block *sb, struct ext2_inode *ret,
                             struct fcr_diag *d);

/* For a journal found through the backup: if buf (filesystem block
 * fs_block, from the log) holds the superblock and it carries no backup,
 * give it the one of fs's superblock as opened, checksum included.  The
 * log's copy may be older than the backup (an ext3 superblock, type 0);
 * written home as it is, a cut right after it would leave a damaged
 * journal inode with nothing to find the journal by. */
void fcr_journal_backup_keep(ext2_filsys fs, uint64_t fs_block, uint8_t *buf);
