/* lib/alloc_host.c: libext2fs's block allocation routed through an
 * allocator plugin over the replay view.  A real (tiny) ext4 made by
 * mkfs.ext4; the replay works on a copy-on-write overlay of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/overlay.h"
#include "replay/blocks.h"
#include "replay/replay_internal.h"
#include "unit.h"

static char *dir, img[4096];
static io_channel base;
static struct fcr_overlay *ov;
static struct fcr_replay *r;
static struct fcr_diag d;

/* First free block, as the kernel policy does. */
static int first_free(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret) {
        return a->ops->find_free(a, a->geom->first_data_block, a->geom->blocks_count, ret) == 1 ? 0 : -ENOSPC;
}

static const struct fcr_alloc_plugin test_alloc = {
        FCR_ALLOC_PLUGIN_HEADER, .name = "first-free", .alloc = first_free,
};

static void setup(void) {
        char cmd[8192];

        dir = unit_mkdtemp();
        snprintf(img, sizeof(img), "%s/fs.img", dir);
        snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -b 1024 -O fast_commit '%s' 4M > /dev/null 2>&1", img);
        ck_assert_msg(system(cmd) == 0, "mkfs.ext4 failed (e2fsprogs is a test dependency)");
        ck_assert_int_eq(unix_io_manager->open(img, 0, &base), 0);
        ck_assert_int_eq(io_channel_set_blksize(base, 1024), 0);
        ck_assert_int_eq(fcr_overlay_new(base, 1024, &ov), 0);
        memset(&d, 0, sizeof(d));
        ck_assert_int_eq(fcr_replay_new(ov, NULL, &test_alloc, &d, &r), 0);
}

static void teardown(void) {
        fcr_replay_free(r);
        fcr_overlay_free(ov);
        io_channel_close(base);
        unit_rmtree(dir);
        free(dir);
}

/* An htree directory growing by one block asks for the block, then for an
 * extent-tree node, before reporting either in use: two answers in a row
 * must differ, or the directory block overwrites the tree node. */
START_TEST(consecutive_requests_get_different_blocks) {
        blk64_t a = 0, b = 0;

        ck_assert_int_eq(ext2fs_new_block2(r->fs, 0, NULL, &a), 0);
        ck_assert_int_eq(ext2fs_new_block2(r->fs, 0, NULL, &b), 0);
        ck_assert_uint_ne(a, 0);
        ck_assert_uint_ne(a, b);
        ck_assert(fcr_replay_block_taken(r, a));
        ck_assert(fcr_replay_block_taken(r, b));
}
END_TEST

/* What the allocator gives out is free in the replay view. */
START_TEST(given_blocks_are_free) {
        ext2fs_block_bitmap map;
        blk64_t a = 0;

        ck_assert_int_eq(ext2fs_new_block2(r->fs, 0, NULL, &a), 0);
        ck_assert_int_eq(ext2fs_read_block_bitmap(r->fs), 0);
        map = r->fs->block_map;
        ck_assert_int_eq(ext2fs_test_block_bitmap2(map, a), 0);
}
END_TEST

/* A range libext2fs reports in use (an htree directory grown through
 * ext2fs_fallocate) is recorded, whatever length 1.47.0 passes along. */
START_TEST(reported_ranges_are_recorded) {
        blk64_t a = 0, n = 0;

        ck_assert_int_eq(ext2fs_new_range(r->fs, 0, 0, 1, NULL, &a, &n), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_uint_eq(r->nr_blocks_allocated, 0);
        ext2fs_block_alloc_stats_range(r->fs, a, 1, +1);
        ck_assert_uint_eq(r->nr_blocks_allocated, 1);
        /* The block itself, not the one after it (where 1.47.0's report
         * ends). */
        ck_assert(!fcr_replay_block_taken(r, a + 1));
}
END_TEST

int main(void) {
        Suite *s = suite_create("alloc_host");
        TCase *tc = tcase_create("alloc_host");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, consecutive_requests_get_different_blocks);
        tcase_add_test(tc, given_blocks_are_free);
        tcase_add_test(tc, reported_ranges_are_recorded);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
