/* lib/replay/orphans.c: the orphans of the replay view, found on the
 * superblock's list and in the orphan file, then released as the kernel's
 * mount does: unlinked ones deleted by the finish step, linked ones
 * truncated to i_size, the list and the orphan file emptied.  A damaged
 * list keeps what came before the damage and marks the filesystem with
 * errors; errors and quota leave the orphans alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include "replay/orphans.h"
#include "unit_replay.h"

static struct unit_replay U;
static struct fcr_orphans O;

static void setup(void) {
        ur_setup(&U, &ur_first_free);
}

static void setup_orphan_file(void) {
        ur_setup_features(&U, &ur_first_free, "fast_commit,orphan_file");
}

static void teardown(void) {
        fcr_orphans_done(&O);
        ur_done(&U);
}

/* ino, as the replay view has it: links and the list's link (i_dtime). */
static void set_inode(uint32_t ino, uint16_t links, uint32_t next, uint64_t size) {
        struct ext2_inode i;

        ck_assert_int_eq(ext2fs_read_inode(U.r->fs, ino, &i), 0);
        i.i_links_count = links;
        i.i_dtime = next;
        if (size != UINT64_MAX)
                ck_assert_int_eq(ext2fs_inode_size_set(U.r->fs, &i, size), 0);
        ck_assert_int_eq(ext2fs_write_inode(U.r->fs, ino, &i), 0);
}

START_TEST(helpers) {
        struct ext2_super_block sb = {};

        ck_assert(!fcr_orphans_possible(&sb));
        sb.s_last_orphan = 12;
        ck_assert(fcr_orphans_possible(&sb));
        sb = (struct ext2_super_block) { .s_feature_compat = EXT4_FEATURE_COMPAT_ORPHAN_FILE };
        ck_assert(fcr_orphans_possible(&sb));
        ck_assert(!fcr_orphans_pending(&(struct fcr_orphans) {}));
        ck_assert(fcr_orphans_pending(&(struct fcr_orphans) { .list_head = 12 }));
        ck_assert(fcr_orphans_pending(&(struct fcr_orphans) { .present = true }));
        ck_assert_str_eq(fcr_orphan_action_str(FCR_ORPHAN_DELETE), "delete");
        ck_assert_str_eq(fcr_orphan_action_str(FCR_ORPHAN_TRUNCATE), "truncate");
        ck_assert_str_eq(fcr_orphan_action_str(FCR_ORPHAN_UNLIST), "unlist");
}
END_TEST

/* /file unlinked while open, /dir/inner cut to nothing mid-truncate. */
START_TEST(list_released) {
        uint64_t file_blocks[3], inner_block = ur_bmap(&U, U.inner, 0);
        struct ext2_inode i;
        ext2_filsys fs;
        char note[64];

        for (int k = 0; k < 3; k++)
                file_blocks[k] = ur_bmap(&U, U.file, k);
        U.r->fs->super->s_last_orphan = U.file;
        set_inode(U.file, 0, U.inner, UINT64_MAX);
        set_inode(U.inner, 1, 0, 0);
        ck_assert_int_eq(fcr_orphans_release(U.r, false, &O), 0);
        ck_assert_uint_eq(O.n, 2);
        ck_assert_uint_eq(O.list_head, U.file);
        ck_assert(O.v[0].ino == U.file && O.v[0].action == FCR_ORPHAN_DELETE && !O.v[0].in_file);
        ck_assert(O.v[1].ino == U.inner && O.v[1].action == FCR_ORPHAN_TRUNCATE && O.v[1].links == 1);
        ck_assert_uint_eq(O.v[1].blocks_freed, 1);
        ck_assert(O.released && !O.list_damage[0] && !O.skipped[0]);
        ck_assert_uint_eq(U.r->fs->super->s_last_orphan, 0);
        snprintf(note, sizeof(note), "ino %u: no links, to be deleted", U.file);
        ck_assert_note(U.r, note);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);

        fs = ur_reopen(&U);
        ck_assert_uint_eq(fs->super->s_last_orphan, 0);
        ck_assert(!(fs->super->s_state & EXT2_ERROR_FS));
        ck_assert(!ext2fs_test_inode_bitmap2(fs->inode_map, U.file));
        for (int k = 0; k < 3; k++)
                ck_assert(!ext2fs_test_block_bitmap2(fs->block_map, file_blocks[k]));
        ck_assert(!ext2fs_test_block_bitmap2(fs->block_map, inner_block));
        ck_assert_int_eq(ext2fs_read_inode(fs, U.inner, &i), 0);
        ck_assert_uint_eq(i.i_dtime, 0);
        ck_assert_uint_eq(i.i_links_count, 1);
        ext2fs_close_free(&fs);
}
END_TEST

/* Linked, nothing past i_size: taken off the list, nothing freed. */
START_TEST(linked_orphan_nothing_past_i_size) {
        U.r->fs->super->s_last_orphan = U.file;
        set_inode(U.file, 1, 0, UINT64_MAX);
        ck_assert_int_eq(fcr_orphans_release(U.r, false, &O), 0);
        ck_assert_uint_eq(O.n, 1);
        ck_assert_int_eq(O.v[0].action, FCR_ORPHAN_TRUNCATE);
        ck_assert_uint_eq(O.v[0].blocks_freed, 0);
        ck_assert_note(U.r, "truncated to 3072 bytes, 0 blocks freed");
}
END_TEST

/* A damaged list: what came before the damage is released, the head
 * cleared, the filesystem marked with errors. */
static void damaged(uint32_t head, uint32_t file_next, const char *why, size_t before) {
        U.r->fs->super->s_last_orphan = head;
        set_inode(U.file, 0, file_next, UINT64_MAX);
        ck_assert_int_eq(fcr_orphans_release(U.r, false, &O), 0);
        ck_assert_contains(O.list_damage, why);
        ck_assert_uint_eq(O.n, before);
        ck_assert(O.released);
        ck_assert_uint_eq(U.r->fs->super->s_last_orphan, 0);
        ck_assert(U.r->fs->super->s_state & EXT2_ERROR_FS);
        ck_assert_note(U.r, "the list is damaged");
}

START_TEST(list_loop) {
        char why[64];

        snprintf(why, sizeof(why), "it loops at inode %u", U.file);
        set_inode(U.inner, 0, U.file, UINT64_MAX);
        damaged(U.file, U.inner, why, 2);
}
END_TEST

START_TEST(list_names_a_reserved_inode) {
        damaged(U.file, 5, "it names inode 5, which cannot be an orphan", 1);
}
END_TEST

START_TEST(list_names_an_unused_inode) {
        uint32_t unused = U.r->fs->super->s_inodes_count;

        damaged(U.file, unused, "which is not in use", 1);
}
END_TEST

START_TEST(errors_leave_them_alone) {
        U.r->fs->super->s_last_orphan = U.file;
        set_inode(U.file, 0, 0, UINT64_MAX);
        ck_assert_int_eq(fcr_orphans_release(U.r, true, &O), 0);
        ck_assert_contains(O.skipped, "the filesystem has errors");
        ck_assert_uint_eq(O.n, 0);
        ck_assert(!O.released);
        ck_assert_uint_eq(U.r->fs->super->s_last_orphan, U.file);
}
END_TEST

START_TEST(quota_leaves_them_to_the_kernel) {
        U.r->fs->super->s_last_orphan = U.file;
        U.r->fs->super->s_usr_quota_inum = 3;
        set_inode(U.file, 0, 0, UINT64_MAX);
        ck_assert_int_eq(fcr_orphans_release(U.r, false, &O), 0);
        ck_assert_contains(O.skipped, "fcreplay does not update quota files");
        ck_assert(!O.released);
        ck_assert_uint_eq(U.r->fs->super->s_last_orphan, U.file);
}
END_TEST

/* Entry e of orphan-file block 0 set to ino, with a right checksum (or a
 * wrong one). */
static blk64_t orphan_entry(uint32_t e, uint32_t ino, bool bad_csum) {
        ext2_filsys fs = U.r->fs;
        uint32_t oino = fs->super->s_orphan_file_inum;
        char *buf = malloc(fs->blocksize);
        blk64_t pblk = 0;

        ck_assert_ptr_nonnull(buf);
        ck_assert_uint_ne(oino, 0);
        ck_assert_int_eq(ext2fs_bmap2(fs, oino, NULL, NULL, 0, 0, NULL, &pblk), 0);
        ck_assert_int_eq(io_channel_read_blk64(fs->io, pblk, 1, buf), 0);
        put_le32((uint8_t *) buf + 4 * e, ino);
        ck_assert_int_eq(ext2fs_orphan_file_block_csum_set(fs, oino, pblk, buf), 0);
        if (bad_csum)
                buf[fs->blocksize - 1] ^= 1;
        ck_assert_int_eq(io_channel_write_blk64(fs->io, pblk, 1, buf), 0);
        free(buf);
        return pblk;
}

/* The checksum at the block's end, read from its bytes (disk order), against
 * libext2fs's sum over the block (returned in disk order).  Not
 * ext2fs_orphan_file_block_csum_verify(): e2fsprogs 1.47.0's compares the
 * two in different orders and fails every block on a big-endian host. */
static bool orphan_block_csum_right(blk64_t pblk, char *buf) {
        ext2_filsys fs = U.r->fs;
        uint32_t ino = fs->super->s_orphan_file_inum;
        struct ext2_inode inode;

        ck_assert_int_eq(ext2fs_read_inode(fs, ino, &inode), 0);
        return get_le32((uint8_t *) buf + fs->blocksize - 4) ==
               ext2fs_le32_to_cpu(ext2fs_do_orphan_file_block_csum(fs, ino, inode.i_generation, pblk, buf));
}

START_TEST(orphan_file_released) {
        ext2_filsys fs = U.r->fs;
        blk64_t pblk;
        char *buf = malloc(fs->blocksize);

        ck_assert_ptr_nonnull(buf);
        pblk = orphan_entry(3, U.file, false);
        ext2fs_set_feature_orphan_present(fs->super);
        set_inode(U.file, 0, 0, UINT64_MAX);
        ck_assert_int_eq(fcr_orphans_release(U.r, false, &O), 0);
        ck_assert_uint_eq(O.n, 1);
        ck_assert(O.v[0].in_file && O.v[0].ino == U.file && O.v[0].action == FCR_ORPHAN_DELETE);
        ck_assert_uint_eq(O.nr_blocks, 1);
        ck_assert_uint_eq(O.blocks[0].pblk, pblk);
        ck_assert(O.released && O.present);
        ck_assert(!ext2fs_has_feature_orphan_present(fs->super));
        /* Emptied, the tail (magic, checksum) still right. */
        ck_assert_int_eq(io_channel_read_blk64(fs->io, pblk, 1, buf), 0);
        ck_assert_uint_eq(get_le32((uint8_t *) buf + 12), 0);
        ck_assert(orphan_block_csum_right(pblk, buf));
        free(buf);
}
END_TEST

/* The kernel does not mount a filesystem whose orphan file it cannot
 * read: the replay refuses. */
START_TEST(damaged_orphan_file_refused) {
        orphan_entry(0, U.file, true);
        set_inode(U.file, 0, 0, UINT64_MAX);
        ck_assert_int_eq(fcr_orphans_release(U.r, false, &O), -EUCLEAN);
        ck_assert_contains(O.refused, "orphan file block 0 has a bad magic or checksum");
        ck_assert_contains(U.d.msg, "run e2fsck -f");
        ck_assert(!O.released);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("orphans");
        TCase *list = tcase_create("list"), *file = tcase_create("orphan file");

        tcase_set_timeout(list, 60);
        tcase_add_checked_fixture(list, setup, teardown);
        tcase_add_test(list, helpers);
        tcase_add_test(list, list_released);
        tcase_add_test(list, linked_orphan_nothing_past_i_size);
        tcase_add_test(list, list_loop);
        tcase_add_test(list, list_names_a_reserved_inode);
        tcase_add_test(list, list_names_an_unused_inode);
        tcase_add_test(list, errors_leave_them_alone);
        tcase_add_test(list, quota_leaves_them_to_the_kernel);
        suite_add_tcase(s, list);
        tcase_set_timeout(file, 60);
        tcase_add_checked_fixture(file, setup_orphan_file, teardown);
        tcase_add_test(file, orphan_file_released);
        tcase_add_test(file, damaged_orphan_file_refused);
        suite_add_tcase(s, file);
        return s;
}

int main(void) {
        return unit_run(suite());
}
