/* lib/replay/replay_finish.c: after the tag services, the finish step
 * deletes what lost its last name, recounts directory links, sets
 * i_blocks and rebuilds bitmaps, group counters and the superblock's free
 * counts.  Checked on the filesystem read afresh from the overlay. */
#include <stdlib.h>
#include <string.h>
#include "unit_replay.h"

static struct unit_replay U;

static void setup(void) {
        ur_setup(&U, &ur_first_free);
}

static void teardown(void) {
        ur_done(&U);
}

static const struct fcr_replay_ops *ops(void) {
        return U.r->ctx.ops;
}

/* Free counts of the superblock equal the sum over the groups. */
static void check_counts(ext2_filsys fs) {
        uint64_t blocks = 0, inodes = 0;

        for (uint32_t g = 0; g < fs->group_desc_count; g++) {
                blocks += ext2fs_bg_free_blocks_count(fs, g);
                inodes += ext2fs_bg_free_inodes_count(fs, g);
        }
        ck_assert_uint_eq(ext2fs_free_blocks_count(fs->super), blocks);
        ck_assert_uint_eq(fs->super->s_free_inodes_count, inodes);
}

START_TEST(last_name_gone_deletes_the_file) {
        uint64_t b[3];
        blk64_t free_before = ext2fs_free_blocks_count(U.r->fs->super);
        ext2_filsys fs;
        struct ext2_inode i;

        for (int k = 0; k < 3; k++)
                b[k] = ur_bmap(&U, U.file, k);
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "file", 4), 0);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);
        ck_assert_note(U.r, "deleted (no links left), 3 blocks freed");
        fs = ur_reopen(&U);
        ck_assert(!ext2fs_test_inode_bitmap2(fs->inode_map, U.file));
        for (int k = 0; k < 3; k++)
                ck_assert(!ext2fs_test_block_bitmap2(fs->block_map, b[k]));
        ck_assert_int_eq(ext2fs_read_inode(fs, U.file, &i), 0);
        ck_assert_uint_ne(i.i_dtime, 0);
        ck_assert_uint_eq(ext2fs_free_blocks_count(fs->super), free_before + 3);
        check_counts(fs);
        ext2fs_close_free(&fs);
}
END_TEST

START_TEST(mapped_blocks_marked_and_counted) {
        uint64_t p = ur_free_block(&U, 1000);
        blk64_t free_before = ext2fs_free_blocks_count(U.r->fs->super);
        ext2_filsys fs;
        struct ext2_inode i;

        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 3, 4, p, false), 0);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);
        fs = ur_reopen(&U);
        for (uint64_t b = p; b < p + 4; b++)
                ck_assert(ext2fs_test_block_bitmap2(fs->block_map, b));
        ck_assert(!ext2fs_test_block_bitmap2(fs->block_map, p + 4));
        ck_assert_uint_eq(ext2fs_free_blocks_count(fs->super), free_before - 4);
        ck_assert_int_eq(ext2fs_read_inode(fs, U.file, &i), 0);
        /* 7 blocks of 1 KiB, in 512-byte units. */
        ck_assert_uint_eq(ext2fs_get_stat_i_blocks(fs, &i), 7 * 2);
        check_counts(fs);
        ext2fs_close_free(&fs);
}
END_TEST

START_TEST(removed_directory_deleted_and_parent_recounted) {
        struct ext2_inode root;
        uint32_t g = (U.subdir - 1) / U.r->geom.inodes_per_group;
        uint32_t dirs_before = ext2fs_bg_used_dirs_count(U.r->fs, g);
        ext2_filsys fs;

        ck_assert_int_eq(ext2fs_read_inode(U.r->fs, EXT2_ROOT_INO, &root), 0);
        ck_assert_uint_eq(root.i_links_count, 4);       /* ., .., lost+found/.., dir/.. */
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.subdir, "dir", 3), 0);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);
        fs = ur_reopen(&U);
        ck_assert(!ext2fs_test_inode_bitmap2(fs->inode_map, U.subdir));
        ck_assert_uint_eq(ext2fs_bg_used_dirs_count(fs, g), dirs_before - 1);
        ck_assert_int_eq(ext2fs_read_inode(fs, EXT2_ROOT_INO, &root), 0);
        ck_assert_uint_eq(root.i_links_count, 3);
        ck_assert_note(U.r, "dir 2: links 4 -> 3");
        check_counts(fs);
        ext2fs_close_free(&fs);
}
END_TEST

START_TEST(new_name_keeps_the_file) {
        ext2_filsys fs;

        /* Renamed: the new name first, then the old one goes. */
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, U.subdir, U.file, "moved", 5, false), 0);
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "file", 4), 0);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);
        fs = ur_reopen(&U);
        ck_assert(ext2fs_test_inode_bitmap2(fs->inode_map, U.file));
        ck_assert(ext2fs_test_block_bitmap2(fs->block_map, ur_bmap(&U, U.file, 0)));
        check_counts(fs);
        ext2fs_close_free(&fs);
}
END_TEST

/* An extended-attribute block with refcount refs, named by the file. */
static uint64_t give_ea_block(uint32_t refs) {
        ext2_filsys fs = U.r->fs;
        uint64_t p = ur_free_block(&U, 1000);
        char *buf = calloc(1, fs->blocksize);
        struct ext2_ext_attr_header *h = (struct ext2_ext_attr_header *) buf;
        struct ext2_inode i;

        ck_assert_ptr_nonnull(buf);
        h->h_magic = EXT2_EXT_ATTR_MAGIC;
        h->h_refcount = refs;
        h->h_blocks = 1;
        ck_assert_int_eq(ext2fs_write_ext_attr3(fs, p, buf, U.file), 0);
        free(buf);
        ck_assert_int_eq(ext2fs_read_inode(fs, U.file, &i), 0);
        ext2fs_file_acl_block_set(fs, &i, p);
        ck_assert_int_eq(ext2fs_write_inode(fs, U.file, &i), 0);
        return p;
}

START_TEST(shared_ea_block_loses_one_reference) {
        uint64_t p = give_ea_block(3);
        char *buf = malloc(U.r->fs->blocksize);
        ext2_filsys fs;

        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "file", 4), 0);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);
        ck_assert_note(U.r, "deleted (no links left), 3 blocks freed");
        ck_assert_note(U.r, "extended-attribute block");
        ck_assert_note(U.r, "kept, 2 reference(s) left");
        fs = ur_reopen(&U);
        /* Written through the view, its checksum right. */
        ck_assert_int_eq(ext2fs_read_ext_attr3(fs, p, buf, U.file), 0);
        ck_assert_uint_eq(((struct ext2_ext_attr_header *) buf)->h_refcount, 2);
        free(buf);
        ext2fs_close_free(&fs);
}
END_TEST

START_TEST(last_ea_reference_frees_the_block) {
        give_ea_block(1);
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "file", 4), 0);
        ck_assert_int_eq(fcr_replay_finish(U.r), 0);
        ck_assert_note(U.r, "deleted (no links left), 4 blocks freed");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("replay_finish");
        TCase *tc = tcase_create("finish");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, last_name_gone_deletes_the_file);
        tcase_add_test(tc, mapped_blocks_marked_and_counted);
        tcase_add_test(tc, removed_directory_deleted_and_parent_recounted);
        tcase_add_test(tc, new_name_keeps_the_file);
        tcase_add_test(tc, shared_ea_block_loses_one_reference);
        tcase_add_test(tc, last_ea_reference_frees_the_block);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
