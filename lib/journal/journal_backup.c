/* The superblock's backup of the journal inode (see journal_backup.h).
 * Facts, as e2fsck uses them: the backup holds i_block word for word
 * and the size; the inode e2fsck rebuilds from it is a regular file
 * with one link.  An extent-mapped journal's backup starts with the
 * extent header, which is how it is told from a block map. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <et/com_err.h>
#include "journal_backup.h"
#include "jbd2_format.h"
#include "jbd2_super.h"
#include <fcreplay/util.h>

#define BACKUP_SIZE_HIGH 15
#define BACKUP_SIZE_LOW  16

int fcr_journal_backup_inode(ext2_filsys fs, const struct ext2_super_block *sb, struct ext2_inode *ret,
                        struct fcr_diag *d) {
        struct ext2_inode inode = {};

        if (sb->s_jnl_backup_type != EXT3_JNL_BACKUP_BLOCKS)
                return fcr_fail(d, -EUCLEAN, "the superblock holds no backup of its block map (backup type %u)",
                                sb->s_jnl_backup_type);
        memcpy(inode.i_block, sb->s_jnl_blocks, sizeof(inode.i_block));
        inode.i_size_high = sb->s_jnl_blocks[BACKUP_SIZE_HIGH];
        inode.i_size = sb->s_jnl_blocks[BACKUP_SIZE_LOW];
        inode.i_mode = LINUX_S_IFREG | 0600;
        inode.i_links_count = 1;
        if (ext2fs_has_feature_extents(fs->super) &&
            ext2fs_le16_to_cpu(((struct ext3_extent_header *) inode.i_block)->eh_magic) == EXT3_EXT_MAGIC) {
                /* libext2fs left an extent root in disk order, as an
                 * inode's i_block holds it (ext2fs_swap_super swaps a
                 * block map's words only). */
                if (ext2fs_extent_header_verify(inode.i_block, sizeof(inode.i_block)) != 0)
                        return fcr_fail(d, -EUCLEAN, "its extent header does not parse");
                inode.i_flags |= EXT4_EXTENTS_FL;
        }
        if (EXT2_I_SIZE(&inode) / fs->blocksize < JBD2_MIN_JOURNAL_BLOCKS)
                return fcr_fail(d, -EUCLEAN, "it gives a size of %llu bytes, too small for a journal",
                                (unsigned long long) EXT2_I_SIZE(&inode));
        *ret = inode;
        return 0;
}

/* The journal superblock the backup leads to must be one. */
static int check_jsb(ext2_filsys fs, struct fcr_journal *j, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *buf = malloc(j->blocksize);
        struct fcr_diag why = {};
        struct jbd2_super s;
        int r;

        if (!buf)
                return -ENOMEM;
        r = fcr_journal_read(j, 0, buf);
        if (r < 0)
                return fcr_fail(d, r, "cannot read the journal superblock it maps: %s", strerror(-r));
        r = jbd2_super_parse(buf, fs->blocksize, j->nblocks, &s, &why);
        if (r < 0)
                return fcr_fail(d, fcr_is_refusal(r) ? -EUCLEAN : r,
                                "the journal superblock it maps is not valid: %s", why.msg);
        return 0;
}

int fcr_journal_open_backup(ext2_filsys fs, const char *inode_damage, struct fcr_journal **ret,
                            struct fcr_diag *d) {
        ext2_ino_t ino = fs->super->s_journal_inum;
        struct fcr_journal *j = NULL;
        struct fcr_diag why = {};
        struct ext2_inode inode;
        int r;

        if (ino == 0 || ino > fs->super->s_inodes_count)
                return fcr_fail(d, -EUCLEAN, "%s", inode_damage);
        r = fcr_journal_backup_inode(fs, fs->super, &inode, &why);
        if (r == 0)
                r = fcr_journal_map(fs, ino, &inode, "its block map", &j, &why);
        if (r == 0)
                r = check_jsb(fs, j, &why);
        if (r < 0) {
                fcr_journal_free(j);
                if (!fcr_is_refusal(r))
                        return fcr_fail(d, r, "%s; its backup in the superblock: %s", inode_damage, why.msg);
                return fcr_fail(d, -EUCLEAN, "%s, and the superblock's backup of it cannot stand in: %s",
                                inode_damage, why.msg);
        }
        j->from_backup = true;
        snprintf(j->inode_damage, sizeof(j->inode_damage), "%s", inode_damage);
        *ret = j;
        return 0;
}

void fcr_journal_backup_keep(ext2_filsys fs, uint64_t fs_block, uint8_t *buf) {
        struct ext2_super_block *sb;

        if (fs_block != SUPERBLOCK_OFFSET / fs->blocksize || fs->super->s_jnl_backup_type != EXT3_JNL_BACKUP_BLOCKS)
                return;
        /* On-disk (little-endian) fields, changed in place. */
        sb = (struct ext2_super_block *) (buf + SUPERBLOCK_OFFSET % fs->blocksize);
        if (ext2fs_le16_to_cpu(sb->s_magic) != EXT2_SUPER_MAGIC || sb->s_jnl_backup_type == EXT3_JNL_BACKUP_BLOCKS)
                return;
        for (unsigned i = 0; i < EXT2_N_BLOCKS + 2; i++)
                sb->s_jnl_blocks[i] = ext2fs_cpu_to_le32(fs->super->s_jnl_blocks[i]);
        sb->s_jnl_backup_type = EXT3_JNL_BACKUP_BLOCKS;
        if (ext2fs_le32_to_cpu(sb->s_feature_ro_compat) & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
                sb->s_checksum = ext2fs_cpu_to_le32(ext2fs_crc32c_le(~0U, (unsigned char *) sb,
                                                                     offsetof(struct ext2_super_block, s_checksum)));
}
