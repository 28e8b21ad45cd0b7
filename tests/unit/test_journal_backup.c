/* lib/journal/journal_backup.c: the superblock's backup of the journal
 * inode.  It describes the inode as mke2fs left it (extent-mapped for
 * ext4, block-mapped for ext3); a backup of the wrong type, too small or
 * with a broken extent header is refused; the journal opened through it
 * maps the same blocks, and a journal superblock that is not one is
 * refused; a superblock going home without a backup gets fs's. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "journal/journal_backup.h"
#include "unit.h"

#define DAMAGE "journal inode 8 is damaged (test)"

static char *dir, img[4096];
static ext2_filsys fs;

static void make(const char *mkfs) {
        char cmd[8192];

        dir = unit_mkdtemp();
        snprintf(img, sizeof(img), "%s/fs.img", dir);
        snprintf(cmd, sizeof(cmd), "%s -q -F -b 4096 '%s' 32M > /dev/null", mkfs, img);
        ck_assert_msg(system(cmd) == 0, "%s failed", mkfs);
        ck_assert_int_eq(ext2fs_open2(img, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs), 0);
}

static void setup_ext4(void) {
        make("mkfs.ext4");
}

static void setup_ext3(void) {
        make("mkfs.ext3");
}

static void teardown(void) {
        ext2fs_close_free(&fs);
        unit_rmtree(dir);
        free(dir);
}

static struct ext2_inode journal_inode(void) {
        struct ext2_inode i;

        ck_assert_int_eq(ext2fs_read_inode(fs, fs->super->s_journal_inum, &i), 0);
        return i;
}

START_TEST(backup_describes_the_inode) {
        struct ext2_inode real = journal_inode(), b;
        struct fcr_diag d = {};

        ck_assert_int_eq(fcr_journal_backup_inode(fs, fs->super, &b, &d), 0);
        ck_assert(memcmp(b.i_block, real.i_block, sizeof(b.i_block)) == 0);
        ck_assert_uint_eq(EXT2_I_SIZE(&b), EXT2_I_SIZE(&real));
        ck_assert_uint_eq(b.i_flags & EXT4_EXTENTS_FL, real.i_flags & EXT4_EXTENTS_FL);
        ck_assert(LINUX_S_ISREG(b.i_mode));
        ck_assert_uint_eq(b.i_links_count, 1);
}
END_TEST

static void backup_refused(struct ext2_super_block *sb, const char *why) {
        struct ext2_inode b;
        struct fcr_diag d = {};

        ck_assert_int_eq(fcr_journal_backup_inode(fs, sb, &b, &d), -EUCLEAN);
        ck_assert_contains(d.msg, why);
}

START_TEST(backup_refused_when_unusable) {
        struct ext2_super_block sb = *fs->super;

        sb.s_jnl_backup_type = 0;
        backup_refused(&sb, "the superblock holds no backup of its block map (backup type 0)");
        sb = *fs->super;
        sb.s_jnl_blocks[15] = 0;
        sb.s_jnl_blocks[16] = 100 * fs->blocksize;
        backup_refused(&sb, "it gives a size of 409600 bytes, too small for a journal");
        /* eh_max 0: no extent header mke2fs writes. */
        sb = *fs->super;
        sb.s_jnl_blocks[1] = 0;
        backup_refused(&sb, "its extent header does not parse");
}
END_TEST

START_TEST(journal_opened_through_the_backup) {
        struct ext2_inode real = journal_inode();
        struct fcr_journal *j = NULL;
        struct fcr_diag d = {};
        uint64_t n = EXT2_I_SIZE(&real) / fs->blocksize;

        ck_assert_int_eq(fcr_journal_open_backup(fs, DAMAGE, &j, &d), 0);
        ck_assert(j->from_backup);
        ck_assert_str_eq(j->inode_damage, DAMAGE);
        ck_assert_uint_eq(j->nblocks, n);
        for (uint64_t l = 0; l < n; l += n / 7) {
                blk64_t phys = 0;

                ck_assert_int_eq(ext2fs_bmap2(fs, fs->super->s_journal_inum, &real, NULL, 0, l, NULL, &phys), 0);
                ck_assert_uint_eq(fcr_journal_phys(j, l), phys);
        }
        fcr_journal_free(j);
}
END_TEST

START_TEST(journal_superblock_must_be_one) {
        struct ext2_inode real = journal_inode();
        struct fcr_journal *j = NULL;
        struct fcr_diag d = {};
        blk64_t phys = 0;
        int fd;

        ck_assert_int_eq(ext2fs_bmap2(fs, fs->super->s_journal_inum, &real, NULL, 0, 0, NULL, &phys), 0);
        fd = open(img, O_WRONLY);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pwrite(fd, "\0\0\0\0", 4, (off_t) phys * fs->blocksize), 4);
        close(fd);
        io_channel_flush(fs->io);
        ck_assert_int_eq(io_channel_set_options(fs->io, "cache=off"), 0);
        ck_assert_int_eq(fcr_journal_open_backup(fs, DAMAGE, &j, &d), -EUCLEAN);
        ck_assert_ptr_null(j);
        ck_assert_contains(d.msg, DAMAGE ", and the superblock's backup of it cannot stand in: "
                           "the journal superblock it maps is not valid: ");
        ck_assert_contains(d.msg, "bad magic");
}
END_TEST

START_TEST(no_journal_inode_to_restore) {
        struct fcr_journal *j = NULL;
        struct fcr_diag d = {};

        fs->super->s_journal_inum = 0;
        ck_assert_int_eq(fcr_journal_open_backup(fs, DAMAGE, &j, &d), -EUCLEAN);
        ck_assert_str_eq(d.msg, DAMAGE);
}
END_TEST

/* The superblock's block as the log may hold it: an old copy without
 * the backup. */
static void read_super_block(uint8_t *buf) {
        ck_assert_int_eq(io_channel_read_blk64(fs->io, 0, 1, buf), 0);
}

START_TEST(superblock_going_home_keeps_the_backup) {
        uint8_t *buf = malloc(fs->blocksize), *copy = malloc(fs->blocksize);
        struct ext2_super_block *sb;

        ck_assert(buf && copy);
        read_super_block(buf);
        sb = (struct ext2_super_block *) (buf + SUPERBLOCK_OFFSET);
        /* Already with a backup: left as it is. */
        memcpy(copy, buf, fs->blocksize);
        fcr_journal_backup_keep(fs, 0, buf);
        ck_assert(memcmp(copy, buf, fs->blocksize) == 0);
        /* Without: given fs's, checksum right. */
        sb->s_jnl_backup_type = 0;
        memset(sb->s_jnl_blocks, 0, sizeof(sb->s_jnl_blocks));
        memcpy(copy, buf, fs->blocksize);
        fcr_journal_backup_keep(fs, 1, buf);            /* not the superblock's block */
        ck_assert(memcmp(copy, buf, fs->blocksize) == 0);
        fcr_journal_backup_keep(fs, 0, buf);
        ck_assert_uint_eq(sb->s_jnl_backup_type, EXT3_JNL_BACKUP_BLOCKS);
        for (unsigned i = 0; i < EXT2_N_BLOCKS + 2; i++)
                ck_assert_uint_eq(ext2fs_le32_to_cpu(sb->s_jnl_blocks[i]), fs->super->s_jnl_blocks[i]);
        if (ext2fs_has_feature_metadata_csum(fs->super))
                ck_assert_uint_eq(ext2fs_le32_to_cpu(sb->s_checksum),
                                  ext2fs_crc32c_le(~0U, (unsigned char *) sb, offsetof(struct ext2_super_block,
                                                                                       s_checksum)));
        free(buf);
        free(copy);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("journal_backup");
        TCase *ext4 = tcase_create("ext4 (extents)"), *ext3 = tcase_create("ext3 (block map)");

        tcase_add_checked_fixture(ext4, setup_ext4, teardown);
        tcase_add_test(ext4, backup_describes_the_inode);
        tcase_add_test(ext4, backup_refused_when_unusable);
        tcase_add_test(ext4, journal_opened_through_the_backup);
        tcase_add_test(ext4, journal_superblock_must_be_one);
        tcase_add_test(ext4, no_journal_inode_to_restore);
        tcase_add_test(ext4, superblock_going_home_keeps_the_backup);
        suite_add_tcase(s, ext4);
        tcase_add_checked_fixture(ext3, setup_ext3, teardown);
        tcase_add_test(ext3, backup_describes_the_inode);
        tcase_add_test(ext3, journal_opened_through_the_backup);
        suite_add_tcase(s, ext3);
        return s;
}

int main(void) {
        return unit_run(suite());
}
