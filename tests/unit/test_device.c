/* lib/io/device.c: a device or image opened once.  A FIFO is refused
 * without blocking; the recheck sees a resize and a write behind the
 * engine's back.  With root and a loop device: opened for writing, the
 * device cannot be mounted, nor opened for writing again, a read-only one
 * is refused, and a change of capacity under the descriptor is seen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "io/device.h"
#include "unit.h"

static char *dir, img[4096];

static void setup(void) {
        char cmd[8192];

        dir = unit_mkdtemp();
        snprintf(img, sizeof(img), "%s/fs.img", dir);
        snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -b 4096 '%s' 8M > /dev/null", img);
        ck_assert_msg(system(cmd) == 0, "cannot make a filesystem image");
}

static void teardown(void) {
        unit_rmtree(dir);
        free(dir);
}

START_TEST(fifo_refused_without_blocking) {
        struct fcr_device dev = FCR_DEVICE_NULL;
        struct fcr_diag d = {};
        char fifo[4200];

        snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        ck_assert_int_eq(fcr_device_open(fifo, true, &dev, &d), -EMEDIUMTYPE);
        ck_assert_contains(d.msg, "is a FIFO, not a block device or a regular file");
        ck_assert_int_eq(dev.fd, -1);
        ck_assert_int_eq(fcr_device_open("/nonexistent/fcr", false, &dev, &d), -ENOENT);
}
END_TEST

START_TEST(image_facts_and_recheck) {
        struct fcr_device dev = FCR_DEVICE_NULL;
        struct fcr_diag d = {};
        uint8_t sb[1024];

        ck_assert_int_eq(fcr_device_open(img, true, &dev, &d), 0);
        ck_assert_int_ge(dev.fd, 0);
        ck_assert_uint_eq(dev.size, 8 << 20);
        ck_assert_uint_eq(dev.diskseq, 0);
        ck_assert_int_eq(fcntl(dev.fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
        ck_assert_int_eq(pread(dev.fd, sb, sizeof(sb), 1024), (ssize_t) sizeof(sb));
        ck_assert_int_eq(fcr_device_recheck(&dev, &d), 0);
        ck_assert_int_eq(fcr_device_unchanged(&dev, 1024, sb, sizeof(sb), "the superblock", &d), 0);

        /* Written behind its back (another descriptor). */
        int fd = open(img, O_WRONLY);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pwrite(fd, "x", 1, 1100), 1);
        ck_assert_int_eq(fcr_device_unchanged(&dev, 1024, sb, sizeof(sb), "the superblock", &d), -ESTALE);
        ck_assert_contains(d.msg, "the superblock of");
        ck_assert_contains(d.msg, "changed since it was read");
        /* Resized. */
        ck_assert_int_eq(ftruncate(fd, 4 << 20), 0);
        close(fd);
        ck_assert_int_eq(fcr_device_recheck(&dev, &d), -ESTALE);
        ck_assert_contains(d.msg, "4194304 bytes, was 8388608");
        fcr_device_close(&dev);
        ck_assert_int_eq(dev.fd, -1);
        ck_assert_ptr_null(dev.path);
        fcr_device_close(&dev);         /* closing twice is harmless */
}
END_TEST

START_TEST(libext2fs_on_the_descriptor) {
        struct fcr_device dev = FCR_DEVICE_NULL;
        struct fcr_diag d = {};
        ext2_filsys fs = NULL;

        ck_assert_int_eq(fcr_device_open(img, false, &dev, &d), 0);
        ck_assert_int_eq(fcr_device_ext2fs_open(&dev, EXT2_FLAG_64BITS, NULL, &fs), 0);
        ck_assert_uint_eq(ext2fs_blocks_count(fs->super), 2048);
        ext2fs_close_free(&fs);
        /* The channel closed its duplicate only: ours still reads. */
        ck_assert_int_eq(fcntl(dev.fd, F_GETFD) >= 0, 1);
        fcr_device_close(&dev);
}
END_TEST

/* The kernel's own sequence number for fd (Linux 5.15+), or 0 where it has
 * none: qemu-user does not pass BLKGETDISKSEQ on, and says so. */
static uint64_t kernel_diskseq(int fd) {
        uint64_t seq = 0;

        if (ioctl(fd, BLKGETDISKSEQ, &seq) < 0) {
                printf("test_device: BLKGETDISKSEQ: %s: the device's sequence number is not checked\n", strerror(errno));
                return 0;
        }
        ck_assert_uint_gt(seq, 0);
        return seq;
}

START_TEST(loop_device_held_exclusively) {
        struct fcr_device dev = FCR_DEVICE_NULL, again = FCR_DEVICE_NULL;
        struct fcr_diag d = {};
        char loop[256], mnt[4200];

        if (!unit_loop_attach("test_device: loop_device_held_exclusively", img, false, loop, sizeof(loop)))
                return;
        ck_assert_int_eq(fcr_device_open(loop, true, &dev, &d), 0);
        ck_assert_uint_eq(dev.diskseq, kernel_diskseq(dev.fd));
        ck_assert_uint_eq(dev.size, 8 << 20);
        /* O_EXCL: no mount while it is held, no second writer. */
        snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
        ck_assert_int_eq(mkdir(mnt, 0700), 0);
        ck_assert_int_eq(mount(loop, mnt, "ext4", MS_RDONLY, NULL), -1);
        ck_assert_int_eq(errno, EBUSY);
        ck_assert_int_eq(fcr_device_open(loop, true, &again, &d), -EBUSY);
        ck_assert_contains(d.msg, "is in use by another program");
        ck_assert_int_eq(fcr_device_recheck(&dev, &d), 0);
        fcr_device_close(&dev);
        /* Released: it mounts. */
        ck_assert_int_eq(mount(loop, mnt, "ext4", MS_RDONLY, NULL), 0);
        ck_assert_int_eq(fcr_device_open(loop, true, &again, &d), -EBUSY);
        ck_assert_contains(d.msg, "is mounted on");
        ck_assert_int_eq(umount(mnt), 0);
        unit_loop_detach(loop);
}
END_TEST

START_TEST(read_only_loop_device_refused_for_writing) {
        struct fcr_device dev = FCR_DEVICE_NULL;
        struct fcr_diag d = {};
        char loop[256];

        if (!unit_loop_attach("test_device: read_only_loop_device_refused_for_writing", img, true, loop,
                              sizeof(loop)))
                return;
        ck_assert_int_eq(fcr_device_open(loop, true, &dev, &d), -EROFS);
        ck_assert_contains(d.msg, "is a read-only block device");
        ck_assert_int_eq(fcr_device_open(loop, false, &dev, &d), 0);
        fcr_device_close(&dev);
        unit_loop_detach(loop);
}
END_TEST

/* losetup --set-capacity after the backing file shrank: the re-check
 * sees the device changed under the descriptor. */
START_TEST(loop_capacity_change_seen) {
        struct fcr_device dev = FCR_DEVICE_NULL;
        struct fcr_diag d = {};
        char loop[256];

        if (!unit_loop_attach("test_device: loop_capacity_change_seen", img, false, loop, sizeof(loop)))
                return;
        ck_assert_int_eq(fcr_device_open(loop, true, &dev, &d), 0);
        ck_assert_int_eq(fcr_device_recheck(&dev, &d), 0);
        ck_assert_int_eq(truncate(img, 4 << 20), 0);
        ck_assert_int_eq(ioctl(dev.fd, LOOP_SET_CAPACITY, 0), 0);
        ck_assert_int_eq(fcr_device_recheck(&dev, &d), -ESTALE);
        ck_assert_contains(d.msg, "4194304 bytes, was 8388608");
        fcr_device_close(&dev);
        unit_loop_detach(loop);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("device");
        TCase *tc = tcase_create("device");

        tcase_set_timeout(tc, 60);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, fifo_refused_without_blocking);
        tcase_add_test(tc, image_facts_and_recheck);
        tcase_add_test(tc, libext2fs_on_the_descriptor);
        tcase_add_test(tc, loop_device_held_exclusively);
        tcase_add_test(tc, read_only_loop_device_refused_for_writing);
        tcase_add_test(tc, loop_capacity_change_seen);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
