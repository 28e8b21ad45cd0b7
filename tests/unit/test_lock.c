/* lib/io/lock.c: systemd's "Locking Block Device Access" convention.
 * The lock of an image keeps another program's flock off it and goes on
 * release; a lock held elsewhere is -EBUSY at once, naming what holds
 * it; a file already held is not locked twice; more than FCR_LOCK_MAX
 * locks is -E2BIG, the ones the call took released.  With root and a
 * loop device: an image's lock covers the loop device backed by it, and
 * the loop device's lock covers its backing file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include "io/lock.h"
#include "unit.h"

static char *dir, img[4096];

static void make_file(const char *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
        close(fd);
}

static void setup(void) {
        dir = unit_mkdtemp();
        snprintf(img, sizeof(img), "%s/a.img", dir);
        make_file(img);
}

static void teardown(void) {
        unit_rmtree(dir);
        free(dir);
}

/* Whether another program's flock(LOCK_EX | LOCK_NB) of path succeeds. */
static bool lockable(const char *path) {
        int fd = open(path, O_RDONLY | O_NONBLOCK), r;

        ck_assert_int_ge(fd, 0);
        r = flock(fd, LOCK_EX | LOCK_NB);
        ck_assert(r == 0 || errno == EWOULDBLOCK);
        close(fd);
        return r == 0;
}

START_TEST(image_lock_taken_and_released) {
        struct fcr_lock l = {};
        struct fcr_diag d = {};
        int fd = open(img, O_RDWR);

        ck_assert_int_ge(fd, 0);
        ck_assert(lockable(img));
        ck_assert_int_eq(fcr_lock_take(fd, img, &l, &d), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert(!lockable(img));
        /* The same file again (a journal on the filesystem's disk): held. */
        ck_assert_int_eq(fcr_lock_take(fd, img, &l, &d), 0);
        ck_assert_uint_eq(l.n, 1);
        fcr_lock_release(&l);
        ck_assert_uint_eq(l.n, 0);
        /* Released, though the image is still open. */
        ck_assert(lockable(img));
        close(fd);
}
END_TEST

START_TEST(lock_held_elsewhere_is_busy) {
        struct fcr_lock l = {};
        struct fcr_diag d = {};
        int other = open(img, O_RDONLY), fd = open(img, O_RDWR);

        ck_assert_int_ge(other, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(flock(other, LOCK_SH | LOCK_NB), 0);
        ck_assert_int_eq(fcr_lock_take(fd, img, &l, &d), -EBUSY);
        ck_assert_contains(d.msg, "is busy: another program holds its lock");
        ck_assert_uint_eq(l.n, 0);
        close(other);
        ck_assert_int_eq(fcr_lock_take(fd, img, &l, &d), 0);
        fcr_lock_release(&l);
        close(fd);
}
END_TEST

START_TEST(too_many_locks_released) {
        struct fcr_lock l = {};
        struct fcr_diag d = {};
        char path[4200];
        int fds[FCR_LOCK_MAX + 1];

        for (unsigned i = 0; i <= FCR_LOCK_MAX; i++) {
                snprintf(path, sizeof(path), "%s/f%u", dir, i);
                make_file(path);
                fds[i] = open(path, O_RDONLY);
                ck_assert_int_ge(fds[i], 0);
                ck_assert_int_eq(fcr_lock_take(fds[i], path, &l, &d), i < FCR_LOCK_MAX ? 0 : -E2BIG);
        }
        ck_assert_contains(d.msg, "more than 16 locks");
        ck_assert_uint_eq(l.n, FCR_LOCK_MAX);
        /* The one that failed holds nothing; the others are kept. */
        ck_assert(lockable(path));
        snprintf(path, sizeof(path), "%s/f0", dir);
        ck_assert(!lockable(path));
        fcr_lock_release(&l);
        ck_assert(lockable(path));
        for (unsigned i = 0; i <= FCR_LOCK_MAX; i++)
                close(fds[i]);
}
END_TEST

START_TEST(loop_device_and_backing_file_lock_each_other) {
        struct fcr_lock l = {};
        struct fcr_diag d = {};
        char loop[256];
        int fd;

        if (!unit_loop_attach("test_lock: loop_device_and_backing_file_lock_each_other", img, false, loop,
                              sizeof(loop)))
                return;
        /* The image: the loop device backed by it too. */
        fd = open(img, O_RDWR);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fcr_lock_take(fd, img, &l, &d), 0);
        ck_assert_uint_eq(l.n, 2);
        ck_assert(!lockable(loop));
        fcr_lock_release(&l);
        close(fd);
        ck_assert(lockable(loop));
        /* The loop device: its backing file too. */
        fd = open(loop, O_RDWR | O_EXCL);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fcr_lock_take(fd, loop, &l, &d), 0);
        ck_assert_uint_eq(l.n, 2);
        ck_assert(!lockable(img));
        ck_assert(!lockable(loop));
        fcr_lock_release(&l);
        close(fd);
        ck_assert(lockable(img));
        unit_loop_detach(loop);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("lock");
        TCase *tc = tcase_create("lock");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, image_lock_taken_and_released);
        tcase_add_test(tc, lock_held_elsewhere_is_busy);
        tcase_add_test(tc, too_many_locks_released);
        tcase_add_test(tc, loop_device_and_backing_file_lock_each_other);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
