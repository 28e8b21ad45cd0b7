/* lib/overlay.c: the copy-on-write io_manager.  Reads fall through to the
 * device until a block is written or preloaded; writes (block- or
 * byte-granular) stay in memory; nothing ever reaches the file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/overlay.h"
#include "unit.h"

#define BS 1024
#define NB 32

static struct test_journal T;   /* used only as a file-backed channel */
static uint8_t orig[NB * BS];
static struct fcr_overlay *ov;
static io_channel ch;

static void setup(void) {
        tj_init(&T, BS, NB);
        for (size_t i = 0; i < sizeof(orig); i++)
                orig[i] = (uint8_t) (i / BS * 37 + i % 251);
        memcpy(T.img, orig, sizeof(orig));
        tj_sync(&T);
        ck_assert_int_eq(fcr_overlay_new(T.io, BS, &ov), 0);
        ck_assert_int_eq(fcr_overlay_manager()->open(fcr_overlay_name(ov), IO_FLAG_RW, &ch), 0);
        ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);
}

static void teardown(void) {
        io_channel_close(ch);
        fcr_overlay_free(ov);
        tj_done(&T);
}

/* The file on disk still holds exactly the original bytes. */
static void assert_file_untouched(void) {
        uint8_t *now = malloc(sizeof(orig));
        int fd = open(T.path, O_RDONLY);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pread(fd, now, sizeof(orig), 0), (ssize_t) sizeof(orig));
        close(fd);
        ck_assert_msg(memcmp(now, orig, sizeof(orig)) == 0, "the overlay wrote to the device");
        free(now);
}

START_TEST(reads_fall_through) {
        uint8_t b[3 * BS];

        ck_assert_int_eq(io_channel_read_blk64(ch, 5, 3, b), 0);
        ck_assert_mem_eq(b, orig + 5 * BS, 3 * BS);
        ck_assert_uint_eq(fcr_overlay_reads(ov), 3);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 0);
}
END_TEST

START_TEST(writes_stay_in_memory) {
        uint8_t w[BS], r[BS];

        memset(w, 0xee, BS);
        ck_assert_int_eq(io_channel_write_blk64(ch, 7, 1, w), 0);
        ck_assert_int_eq(io_channel_flush(ch), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 7, 1, r), 0);
        ck_assert_mem_eq(r, w, BS);
        ck_assert_int_eq(io_channel_read_blk64(ch, 8, 1, r), 0);
        ck_assert_mem_eq(r, orig + 8 * BS, BS);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 1);
        /* Writing the same block again does not count twice. */
        ck_assert_int_eq(io_channel_write_blk64(ch, 7, 1, w), 0);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 1);
        assert_file_untouched();
}
END_TEST

START_TEST(byte_writes_merge_with_device) {
        uint8_t r[BS];

        ck_assert_int_eq(io_channel_write_byte(ch, 2 * BS + 10, 4, "ABCD"), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 2, 1, r), 0);
        ck_assert_mem_eq(r, orig + 2 * BS, 10);
        ck_assert_mem_eq(r + 10, "ABCD", 4);
        ck_assert_mem_eq(r + 14, orig + 2 * BS + 14, BS - 14);
        /* A write across a block boundary touches both blocks. */
        ck_assert_int_eq(io_channel_write_byte(ch, 4 * BS - 2, 4, "wxyz"), 0);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 3);
        ck_assert_int_eq(io_channel_read_blk64(ch, 4, 1, r), 0);
        ck_assert_mem_eq(r, "yz", 2);
        ck_assert_mem_eq(r + 2, orig + 4 * BS + 2, BS - 2);
        assert_file_untouched();
}
END_TEST

START_TEST(negative_count_is_bytes) {
        uint8_t r[100];

        ck_assert_int_eq(io_channel_read_blk64(ch, 3, -100, r), 0);
        ck_assert_mem_eq(r, orig + 3 * BS, 100);
        ck_assert_int_eq(io_channel_write_blk64(ch, 3, -2, "QQ"), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 3, -100, r), 0);
        ck_assert_mem_eq(r, "QQ", 2);
        ck_assert_mem_eq(r + 2, orig + 3 * BS + 2, 98);
        assert_file_untouched();
}
END_TEST

START_TEST(channel_blocksize_differs) {
        /* libext2fs switches the channel to 4 KiB: offsets scale. */
        uint8_t r[4096], w[4096];

        ck_assert_int_eq(io_channel_set_blksize(ch, 4096), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 2, 1, r), 0);
        ck_assert_mem_eq(r, orig + 8 * BS, 4096);
        memset(w, 0x11, sizeof(w));
        ck_assert_int_eq(io_channel_write_blk64(ch, 1, 1, w), 0);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 4);
        ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 7, 1, r), 0);
        ck_assert_mem_eq(r, w, BS);
        ck_assert_int_eq(io_channel_read_blk64(ch, 8, 1, r), 0);
        ck_assert_mem_eq(r, orig + 8 * BS, BS);
        assert_file_untouched();
}
END_TEST

START_TEST(preload_is_read_but_not_written) {
        uint8_t p[BS], r[BS];
        uint64_t before;

        memset(p, 0x77, BS);
        ck_assert_int_eq(fcr_overlay_preload(ov, 9, p), 0);
        before = fcr_overlay_reads(ov);
        ck_assert_int_eq(io_channel_read_blk64(ch, 9, 1, r), 0);
        ck_assert_mem_eq(r, p, BS);
        ck_assert_uint_eq(fcr_overlay_reads(ov), before);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 0);
        /* A partial write over a preloaded block keeps the preloaded rest. */
        ck_assert_int_eq(io_channel_write_byte(ch, 9 * BS, 1, "X"), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 9, 1, r), 0);
        ck_assert_uint_eq(r[0], 'X');
        ck_assert_mem_eq(r + 1, p + 1, BS - 1);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 1);
        assert_file_untouched();
}
END_TEST

struct seen {
        uint64_t blocks[NB];
        uint8_t first[NB];
        int n;
        int stop_after;
};

static int collect(uint64_t block, const void *data, void *userdata) {
        struct seen *s = userdata;

        s->blocks[s->n] = block;
        s->first[s->n] = *(const uint8_t *) data;
        s->n++;
        return s->n == s->stop_after ? 42 : 0;
}

START_TEST(foreach_written_in_block_order) {
        static const uint64_t order[] = { 20, 3, 11, 0, 31 };
        uint8_t w[BS], p[BS] = {};
        struct seen s = {};

        for (int i = 0; i < 5; i++) {
                memset(w, (int) order[i] + 1, BS);
                ck_assert_int_eq(io_channel_write_blk64(ch, order[i], 1, w), 0);
        }
        ck_assert_int_eq(fcr_overlay_preload(ov, 15, p), 0);
        ck_assert_int_eq(fcr_overlay_foreach_written(ov, collect, &s), 0);
        ck_assert_int_eq(s.n, 5);
        ck_assert_uint_eq(s.blocks[0], 0);
        ck_assert_uint_eq(s.blocks[1], 3);
        ck_assert_uint_eq(s.blocks[2], 11);
        ck_assert_uint_eq(s.blocks[3], 20);
        ck_assert_uint_eq(s.blocks[4], 31);
        ck_assert_uint_eq(s.first[2], 12);
        /* A callback error stops the walk and is returned. */
        memset(&s, 0, sizeof(s));
        s.stop_after = 2;
        ck_assert_int_eq(fcr_overlay_foreach_written(ov, collect, &s), 42);
        ck_assert_int_eq(s.n, 2);
}
END_TEST

START_TEST(zeroout_in_memory) {
        uint8_t r[BS], z[BS] = {};

        ck_assert_int_eq(io_channel_zeroout(ch, 4, 2), 0);
        ck_assert_int_eq(io_channel_read_blk64(ch, 5, 1, r), 0);
        ck_assert_mem_eq(r, z, BS);
        ck_assert_uint_eq(fcr_overlay_count_written(ov), 2);
        assert_file_untouched();
}
END_TEST

START_TEST(bad_name_refused) {
        io_channel c2 = NULL;

        ck_assert_int_eq(fcr_overlay_manager()->open("/dev/sda", 0, &c2), EXT2_ET_BAD_DEVICE_NAME);
        ck_assert_int_eq(fcr_overlay_manager()->open(NULL, 0, &c2), EXT2_ET_BAD_DEVICE_NAME);
        ck_assert_ptr_null(c2);
}
END_TEST

START_TEST(ext2fs_through_overlay) {
        /* A real filesystem opened read-write through the view: a write
         * and a close that flushes the superblock stay in the view. */
        char *dir = unit_mkdtemp(), img[4200], cmd[9000];
        uint8_t *before = malloc(4 << 20), *after = malloc(4 << 20);
        struct fcr_overlay *o2;
        io_channel base;
        ext2_filsys fs;
        ext2_ino_t ino;
        int fd;

        snprintf(img, sizeof(img), "%s/fs.img", dir);
        snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -b 1024 %s 4M >/dev/null 2>&1 || "
                 "/sbin/mkfs.ext4 -q -F -b 1024 %s 4M >/dev/null 2>&1", img, img);
        ck_assert_msg(system(cmd) == 0, "mkfs.ext4 failed (is e2fsprogs installed?)");
        fd = open(img, O_RDONLY);
        ck_assert_int_eq(pread(fd, before, 4 << 20, 0), 4 << 20);
        ck_assert_int_eq(unix_io_manager->open(img, 0, &base), 0);
        ck_assert_int_eq(io_channel_set_blksize(base, 1024), 0);
        ck_assert_int_eq(fcr_overlay_new(base, 1024, &o2), 0);
        ck_assert_int_eq(ext2fs_open2(fcr_overlay_name(o2), NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
                                      fcr_overlay_manager(), &fs), 0);
        ck_assert_int_eq(ext2fs_read_bitmaps(fs), 0);
        ck_assert_int_eq(ext2fs_new_inode(fs, EXT2_ROOT_INO, LINUX_S_IFREG | 0644, NULL, &ino), 0);
        ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
        fs->super->s_mnt_count += 5;
        ext2fs_mark_super_dirty(fs);
        ck_assert_int_eq(ext2fs_close_free(&fs), 0);
        ck_assert_uint_gt(fcr_overlay_count_written(o2), 0);
        ck_assert_int_eq(pread(fd, after, 4 << 20, 0), 4 << 20);
        ck_assert_msg(memcmp(before, after, 4 << 20) == 0, "ext2fs wrote through the overlay to the image");
        /* Reopened through the same view, the change is there. */
        ck_assert_int_eq(ext2fs_open2(fcr_overlay_name(o2), NULL, EXT2_FLAG_64BITS, 0, 0,
                                      fcr_overlay_manager(), &fs), 0);
        ck_assert_uint_eq(fs->super->s_mnt_count, ((struct ext2_super_block *) (before + 1024))->s_mnt_count + 5);
        ext2fs_close_free(&fs);
        close(fd);
        fcr_overlay_free(o2);
        io_channel_close(base);
        free(before);
        free(after);
        unit_rmtree(dir);
        free(dir);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("overlay");
        TCase *tc = tcase_create("view");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, reads_fall_through);
        tcase_add_test(tc, writes_stay_in_memory);
        tcase_add_test(tc, byte_writes_merge_with_device);
        tcase_add_test(tc, negative_count_is_bytes);
        tcase_add_test(tc, channel_blocksize_differs);
        tcase_add_test(tc, preload_is_read_but_not_written);
        tcase_add_test(tc, foreach_written_in_block_order);
        tcase_add_test(tc, zeroout_in_memory);
        tcase_add_test(tc, bad_name_refused);
        suite_add_tcase(s, tc);
        tc = tcase_create("ext2fs");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, ext2fs_through_overlay);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
