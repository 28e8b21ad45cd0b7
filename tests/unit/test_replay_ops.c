/* lib/replay/ (the tag services of struct fcr_replay_ops, replay_ops.c
 * and the files it is split into): each service called as a tag plugin
 * calls it, on a real ext4 through the replay overlay; what it changed is
 * read back through libext2fs, and what it records for the finish step
 * (inode flags, the block ledger) is checked. */
#include <stdio.h>
#include <string.h>
#include "replay/blocks.h"
#include "unit_replay.h"

static struct unit_replay U;

static void setup(void) {
        ur_setup(&U, &ur_first_free);
}

static void setup_no_space(void) {
        ur_setup(&U, &ur_no_space);
}

static void teardown(void) {
        ur_done(&U);
}

static const struct fcr_replay_ops *ops(void) {
        return U.r->ctx.ops;
}

static struct ext2_inode inode_of(uint32_t ino) {
        struct ext2_inode i;

        ck_assert_int_eq(ext2fs_read_inode(U.r->fs, ino, &i), 0);
        return i;
}

START_TEST(map_range_adds_blocks) {
        uint64_t p = ur_free_block(&U, 1000);

        ck_assert_uint_eq(ur_bmap(&U, U.file, 10), 0);
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 10, 2, p, false), 0);
        ck_assert_uint_eq(ur_bmap(&U, U.file, 10), p);
        ck_assert_uint_eq(ur_bmap(&U, U.file, 11), p + 1);
        ck_assert(fcr_replay_inode(U.r, U.file)->flags & INO_MODIFIED);
        ck_assert_note(U.r, "(2 new, 0 remapped, 0 state changed)");
}
END_TEST

START_TEST(map_range_remaps_and_frees_the_old_block) {
        uint64_t old = ur_bmap(&U, U.file, 0), p = ur_free_block(&U, 1000);

        ck_assert_uint_ne(old, 0);
        ck_assert(!fcr_replay_block_taken(U.r, old));
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 0, 1, p, false), 0);
        ck_assert_uint_eq(ur_bmap(&U, U.file, 0), p);
        /* The old block is free for the finish step, and off limits to
         * the allocator from now on. */
        ck_assert(fcr_replay_block_taken(U.r, old));
        ck_assert_uint_eq(U.r->nr_blocks_freed, 1);
        ck_assert_note(U.r, "(0 new, 1 remapped, 0 state changed)");
}
END_TEST

START_TEST(map_range_outside_the_filesystem_refused) {
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 0, 4, U.r->geom.blocks_count - 2, false), -EUCLEAN);
        ck_assert_contains(U.d.msg, "outside the filesystem");
        ck_assert_int_eq(U.d.err, -EUCLEAN);
}
END_TEST

START_TEST(map_range_on_a_missing_inode_is_skipped) {
        uint32_t free_ino = U.r->geom.inodes_count;     /* the last one: never used here */

        ck_assert_int_eq(ops()->map_range(&U.r->ctx, free_ino, 0, 1, ur_free_block(&U, 1000), false), 0);
        ck_assert_note(U.r, "is not in use, skipped");
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.r->geom.inodes_count + 1, 0, 1, 1000, false), 0);
        ck_assert_note(U.r, "does not exist, skipped");
}
END_TEST

/* A range mapped again as it is costs a lookup per extent, not per
 * block; the work of a replay is bounded, and refused beyond. */
START_TEST(map_range_again_costs_one_lookup) {
        uint64_t p = ur_free_block(&U, 1000), before;

        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 100, 8, p, true), 0);
        before = U.r->work;
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 100, 8, p, true), 0);
        ck_assert_uint_eq(U.r->work - before, 1);
        ck_assert_note(U.r, "(0 new, 0 remapped, 0 state changed)");
        /* The state differs: every block changes. */
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 100, 8, p, false), 0);
        ck_assert_note(U.r, "(0 new, 0 remapped, 8 state changed)");
}
END_TEST

START_TEST(work_is_bounded) {
        U.r->work = FCR_REPLAY_WORK_MAX - 3;
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 100, 8, ur_free_block(&U, 1000), false), -EOPNOTSUPP);
        ck_assert_contains(U.d.msg, "beyond fcreplay's bound");
        ck_assert_int_eq(U.d.err, -EOPNOTSUPP);
}
END_TEST

START_TEST(unmap_range_punches) {
        uint64_t b1 = ur_bmap(&U, U.file, 1);

        ck_assert_uint_ne(b1, 0);
        ck_assert_int_eq(ops()->unmap_range(&U.r->ctx, U.file, 1, 2), 0);
        ck_assert_uint_ne(ur_bmap(&U, U.file, 0), 0);
        ck_assert_uint_eq(ur_bmap(&U, U.file, 1), 0);
        ck_assert_uint_eq(ur_bmap(&U, U.file, 2), 0);
        ck_assert(fcr_replay_block_taken(U.r, b1));
        ck_assert(fcr_replay_inode(U.r, U.file)->flags & INO_MODIFIED);
}
END_TEST

START_TEST(add_entry_links_a_name) {
        uint16_t links = inode_of(U.file).i_links_count;

        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "alias", 5, false), 0);
        ck_assert_uint_eq(ur_lookup(&U, "alias"), U.file);
        ck_assert_uint_eq(inode_of(U.file).i_links_count, links + 1);
        ck_assert(fcr_replay_inode(U.r, U.file)->flags & INO_LINKS);
        /* Again: already there, no change. */
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "alias", 5, false), 0);
        ck_assert_uint_eq(inode_of(U.file).i_links_count, links + 1);
        ck_assert_note(U.r, "'alias' already in dir 2");
}
END_TEST

START_TEST(add_entry_bad_name_refused) {
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "a/b", 3, false), -EUCLEAN);
        ck_assert_contains(U.d.msg, "name of 3 bytes is not valid");
}
END_TEST

START_TEST(add_entry_grows_a_full_directory) {
        struct ext2_inode dir = inode_of(U.subdir);
        char name[64];

        ck_assert_uint_eq(EXT2_I_SIZE(&dir), 1024);
        /* 40-byte entries: a 1 KiB block holds about 25. */
        for (int i = 0; i < 60; i++) {
                snprintf(name, sizeof(name), "a-rather-long-name-number-%04d", i);
                ck_assert_int_eq(ops()->add_entry(&U.r->ctx, U.subdir, U.file, name, strlen(name), false), 0);
        }
        dir = inode_of(U.subdir);
        ck_assert_uint_ge(EXT2_I_SIZE(&dir), 3 * 1024);
        ck_assert_uint_ne(ur_bmap(&U, U.subdir, 2), 0);
        ck_assert(fcr_replay_block_taken(U.r, ur_bmap(&U, U.subdir, 2)));
        for (int i = 0; i < 60; i++) {
                snprintf(name, sizeof(name), "dir/a-rather-long-name-number-%04d", i);
                ck_assert_uint_eq(ur_lookup(&U, name), U.file);
        }
}
END_TEST

START_TEST(remove_entry_unlinks) {
        ck_assert_uint_eq(inode_of(U.file).i_links_count, 1);
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.file, "file", 4), 0);
        ck_assert_uint_eq(ur_lookup(&U, "file"), 0);
        ck_assert_uint_eq(inode_of(U.file).i_links_count, 0);
        ck_assert(fcr_replay_inode(U.r, U.file)->flags & INO_LINKS);
        /* A regular file is not a removed directory. */
        ck_assert(!(fcr_replay_inode(U.r, U.file)->flags & INO_DIR_UNLINKED));
}
END_TEST

START_TEST(remove_entry_of_a_directory_marks_it) {
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, U.subdir, "dir", 3), 0);
        ck_assert(fcr_replay_inode(U.r, U.subdir)->flags & INO_DIR_UNLINKED);
        ck_assert(fcr_replay_inode(U.r, EXT2_ROOT_INO)->flags & INO_SUBDIRS);
}
END_TEST

/* The raw inode of src, as an INODE tag would log it (in disk order),
 * with another generation: a different file. */
static void raw_inode(uint32_t src, uint8_t *raw) {
        struct ext2_inode_large *i = (struct ext2_inode_large *) raw;

        ck_assert_int_eq(ext2fs_read_inode_full(U.r->fs, src, (struct ext2_inode *) raw, U.r->geom.inode_size), 0);
        i->i_generation += 1000;
#ifdef WORDS_BIGENDIAN
        ext2fs_swap_inode_full(U.r->fs, i, i, 1, U.r->geom.inode_size);
#endif
}

START_TEST(inode_replay_into_a_free_slot) {
        uint8_t raw[1024];
        uint32_t ino = U.r->geom.inodes_count - 1;
        struct ext2_inode i;

        raw_inode(U.file, raw);
        ck_assert_int_eq(ops()->inode_replay(&U.r->ctx, ino, raw, U.r->geom.inode_size), 0);
        i = inode_of(ino);
        ck_assert(LINUX_S_ISREG(i.i_mode));
        ck_assert_uint_eq(EXT2_I_SIZE(&i), 3072);
        /* A new file starts with an empty extent tree: the blocks come
         * with the ranges the log carries, not with the raw inode. */
        ck_assert_uint_eq(ur_bmap(&U, ino, 0), 0);
        ck_assert(fcr_replay_inode(U.r, ino)->flags & INO_USED);
}
END_TEST

START_TEST(inode_replay_of_a_short_inode_refused) {
        uint8_t raw[1024];

        raw_inode(U.file, raw);
        ck_assert_int_eq(ops()->inode_replay(&U.r->ctx, U.file, raw, 64), -EUCLEAN);
        ck_assert_contains(U.d.msg, "does not fit the filesystem");
}
END_TEST

/* A failure of the allocator is reported with its own reason, not as
 * libext2fs's "could not allocate". */
START_TEST(allocator_reason_is_kept) {
        uint8_t raw[1024];
        uint32_t ino = U.r->geom.inodes_count - 1;

        raw_inode(U.subdir, raw);
        ck_assert_int_eq(ops()->inode_replay(&U.r->ctx, ino, raw, U.r->geom.inode_size), 0);
        /* A new directory needs a block for '.' and '..'. */
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, ino, "newdir", 6, true), -ENOSPC);
        ck_assert_contains(U.d.msg, "creating '.' and '..' of inode");
        ck_assert_contains(U.d.msg, "allocator 'no-space' found no usable block");
        ck_assert_int_eq(U.d.err, -ENOSPC);
}
END_TEST

/* What no tag may touch: the filesystem's own blocks, reserved inodes,
 * names in something that is not a directory. */
START_TEST(map_range_onto_metadata_refused) {
        ext2_filsys fs = U.r->fs;
        uint64_t targets[] = {
                fs->super->s_first_data_block, fs->super->s_first_data_block + 1, ext2fs_block_bitmap_loc(fs, 0),
                ext2fs_inode_bitmap_loc(fs, 0), ext2fs_inode_table_loc(fs, 0) + 1,
        };
        static const char *const what[] = {
                "a superblock", "the group descriptors", "a block bitmap", "an inode bitmap", "an inode table",
        };

        for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
                fcr_diag_clear(&U.d);
                ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 20, 1, targets[i], false), -EUCLEAN);
                ck_assert_contains(U.d.msg, what[i]);
                ck_assert_contains(U.d.msg, "no file may have it");
        }
        /* A range that only ends on metadata is refused too. */
        ck_assert_int_eq(ops()->map_range(&U.r->ctx, U.file, 20, 3, ext2fs_inode_table_loc(fs, 0) - 2, false),
                         -EUCLEAN);
        ck_assert_uint_eq(ur_bmap(&U, U.file, 20), 0);
}
END_TEST

START_TEST(reserved_inodes_skipped_or_refused) {
        uint8_t raw[1024];

        /* As the kernel: ranges and names of a reserved inode are skipped... */
        ck_assert_int_eq(ops()->unmap_range(&U.r->ctx, EXT2_BAD_INO + 6, 0, 8), 0);
        ck_assert_note(U.r, "is reserved, skipped");
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, 8, "journal", 7, false), 0);
        ck_assert_uint_eq(ur_lookup(&U, "journal"), 0);
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, EXT2_ROOT_INO, 7, "x", 1), 0);
        /* ...its INODE tag and its CREAT would fail the kernel's mount. */
        raw_inode(U.file, raw);
        ck_assert_int_eq(ops()->inode_replay(&U.r->ctx, 8, raw, U.r->geom.inode_size), -EUCLEAN);
        ck_assert_contains(U.d.msg, "a reserved inode");
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, 8, "journal", 7, true), -EUCLEAN);
        ck_assert_contains(U.d.msg, "CREAT of inode 8, a reserved inode");
}
END_TEST

START_TEST(names_only_in_directories) {
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, U.file, U.inner, "x", 1, false), -EUCLEAN);
        ck_assert_contains(U.d.msg, "which is not a directory");
        ck_assert_int_eq(ops()->remove_entry(&U.r->ctx, U.file, U.inner, "x", 1), -EUCLEAN);
        ck_assert_contains(U.d.msg, "which is not a directory");
}
END_TEST

/* CREAT of an inode no INODE tag made: the kernel's mount fails; the
 * inode is not marked in use (the old code left it so in the bitmap). */
START_TEST(creat_of_a_free_inode_refused) {
        uint32_t ino = U.r->geom.inodes_count - 2;

        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, ino, "new", 3, true), -EUCLEAN);
        ck_assert_contains(U.d.msg, "it has no mode");
        ck_assert(!fcr_replay_inode_was_in_use(U.r, ino));
}
END_TEST

/* An inline directory (inline_data) starts with its parent's number,
 * little-endian like every ext4 field; libext2fs leaves inline data in
 * disk order.  Reading and writing it in host order went unnoticed on
 * amd64 and gave a wrong '..' on big-endian s390x (CI runs these unit
 * tests there). */
static void setup_inline(void) {
        ur_setup_features(&U, &ur_first_free, "fast_commit,inline_data");
}

/* The '..' of directory ino, as libext2fs reads it from the view opened
 * afresh. */
static uint32_t parent_of(uint32_t ino) {
        ext2_filsys fs = ur_reopen(&U);
        ext2_ino_t found = 0;

        ck_assert_int_eq(ext2fs_lookup(fs, ino, "..", 2, NULL, &found), 0);
        ext2fs_close_free(&fs);
        return found;
}

START_TEST(add_entry_keeps_an_inline_directory_parent) {
        ck_assert(inode_of(U.subdir).i_flags & EXT4_INLINE_DATA_FL);
        ck_assert_uint_eq(parent_of(U.subdir), EXT2_ROOT_INO);
        /* The log creates 'dir' again (a replay that ran before): its '..'
         * is already right and stays so. */
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, EXT2_ROOT_INO, U.subdir, "dir", 3, true), 0);
        ck_assert_uint_eq(parent_of(U.subdir), EXT2_ROOT_INO);
        ck_assert_uint_eq(ur_lookup(&U, "dir/inner"), U.inner);
}
END_TEST

START_TEST(add_entry_sets_an_inline_directory_parent) {
        uint8_t raw[1024];
        uint32_t ino = U.r->geom.inodes_count - 1;

        /* A new inline directory logged with '..' the root, then created
         * in 'dir'. */
        raw_inode(U.subdir, raw);
        ck_assert_int_eq(ops()->inode_replay(&U.r->ctx, ino, raw, U.r->geom.inode_size), 0);
        ck_assert(inode_of(ino).i_flags & EXT4_INLINE_DATA_FL);
        ck_assert_uint_eq(parent_of(ino), EXT2_ROOT_INO);
        ck_assert_int_eq(ops()->add_entry(&U.r->ctx, U.subdir, ino, "new", 3, true), 0);
        ck_assert_uint_eq(parent_of(ino), U.subdir);
        ck_assert_uint_eq(ur_lookup(&U, "dir/new"), ino);
        ck_assert_uint_eq(ur_lookup(&U, "dir/new/.."), U.subdir);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("replay_ops");
        TCase *tc = tcase_create("extents");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, map_range_adds_blocks);
        tcase_add_test(tc, map_range_remaps_and_frees_the_old_block);
        tcase_add_test(tc, map_range_outside_the_filesystem_refused);
        tcase_add_test(tc, map_range_on_a_missing_inode_is_skipped);
        tcase_add_test(tc, unmap_range_punches);
        tcase_add_test(tc, map_range_again_costs_one_lookup);
        tcase_add_test(tc, work_is_bounded);
        suite_add_tcase(s, tc);
        tc = tcase_create("entries");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, add_entry_links_a_name);
        tcase_add_test(tc, add_entry_bad_name_refused);
        tcase_add_test(tc, add_entry_grows_a_full_directory);
        tcase_add_test(tc, remove_entry_unlinks);
        tcase_add_test(tc, remove_entry_of_a_directory_marks_it);
        suite_add_tcase(s, tc);
        tc = tcase_create("inodes");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, inode_replay_into_a_free_slot);
        tcase_add_test(tc, inode_replay_of_a_short_inode_refused);
        suite_add_tcase(s, tc);
        tc = tcase_create("legality");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, map_range_onto_metadata_refused);
        tcase_add_test(tc, reserved_inodes_skipped_or_refused);
        tcase_add_test(tc, names_only_in_directories);
        tcase_add_test(tc, creat_of_a_free_inode_refused);
        suite_add_tcase(s, tc);
        tc = tcase_create("inline directories");
        tcase_add_checked_fixture(tc, setup_inline, teardown);
        tcase_add_test(tc, add_entry_keeps_an_inline_directory_parent);
        tcase_add_test(tc, add_entry_sets_an_inline_directory_parent);
        suite_add_tcase(s, tc);
        tc = tcase_create("allocator");
        tcase_add_checked_fixture(tc, setup_no_space, teardown);
        tcase_add_test(tc, allocator_reason_is_kept);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
