#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <blkid/blkid.h>
#include "lock.h"
#include <fcreplay/util.h>

/* Whether l holds the lock of fd's file already (two partitions of one
 * disk: a filesystem and its external journal).  A second flock of it
 * through another open file would fail against our own. */
static bool held(const struct fcr_lock *l, int fd) {
        struct stat a, b;

        if (fstat(fd, &a) < 0)
                return false;
        for (unsigned i = 0; i < l->n; i++)
                if (fstat(l->fds[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        return true;
        return false;
}

static int lock_fd(struct fcr_lock *l, int fd, const char *what, const char *dev, struct fcr_diag *d) {
        if (held(l, fd)) {
                close(fd);
                return 0;
        }
        if (l->n >= FCR_LOCK_MAX) {
                close(fd);
                return fcr_fail(d, -E2BIG, "cannot lock %s: more than %d locks to take for %s", what,
                                FCR_LOCK_MAX, dev);
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

                close(fd);
                if (r != -EBUSY)
                        return fcr_fail(d, r, "cannot lock %s: %s", what, strerror(-r));
                if (!strcmp(what, dev))
                        return fcr_fail(d, r, "%s is busy: another program holds its lock", dev);
                return fcr_fail(d, r, "%s is busy: another program holds the lock of %s", dev, what);
        }
        l->fds[l->n++] = fd;
        return 0;
}

static int lock_one(struct fcr_lock *l, const char *what, const char *dev, struct fcr_diag *d) {
        int fd = open(what, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

        if (fd < 0)
                return fcr_fail(d, -errno, "cannot open %s to lock it: %s", what, strerror(errno));
        return lock_fd(l, fd, what, dev, d);
}

/* The device or image itself, through the file it was opened as (not by
 * name again), in a description of its own: the lock is dropped on
 * release, whatever else holds the file open. */
static int lock_self(struct fcr_lock *l, int fd, const char *path, struct fcr_diag *d) {
        char self[64];
        int again;

        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        again = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (again < 0)
                return fcr_fail(d, -errno, "cannot open %s again (as %s) to lock it: %s", path, self,
                                strerror(errno));
        return lock_fd(l, again, path, path, d);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* An image file: also every loop device backed by it, as a program that
 * locks only /dev/loopN (systemd's convention) must keep us off the file.
 * Matched by the loop's own device and inode numbers
 * (LOOP_GET_STATUS64), exact where sysfs's path may be stale. */
static int lock_loops_of(struct fcr_lock *l, const char *path, const struct stat *st, struct fcr_diag *d) {
        _cleanup_(closedirp) DIR *dir = opendir("/sys/block");
        struct dirent *de;

        if (!dir)
                return errno == ENOENT ? 0 : fcr_fail(d, -errno, "cannot list the loop devices: %s", strerror(errno));
        while ((de = readdir(dir))) {
                struct loop_info64 info;
                char node[300];
                int fd, r;

                if (strncmp(de->d_name, "loop", 4) != 0)
                        continue;
                /* Only loop devices with a file attached have it. */
                snprintf(node, sizeof(node), "%s/loop/backing_file", de->d_name);
                if (faccessat(dirfd(dir), node, F_OK, 0) < 0)
                        continue;
                snprintf(node, sizeof(node), "/dev/%s", de->d_name);
                fd = open(node, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        continue;       /* gone, or not ours to open (a user replaying an image) */
                /* ENXIO: no file attached. */
                if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0 || info.lo_device != st->st_dev ||
                    info.lo_inode != st->st_ino) {
                        close(fd);
                        continue;
                }
                r = lock_fd(l, fd, node, path, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A loop device's backing file, from sysfs; 0 with *ret NULL if none. */
static int loop_backing_file(dev_t whole, char **ret) {
        char p[128], buf[4096];
        size_t len;
        FILE *f;

        *ret = NULL;
        snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/loop/backing_file", major(whole), minor(whole));
        f = fopen(p, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        /* A deleted file cannot be reached by name, so nobody else can lock it by name either. */
        if (!buf[0] || (len > 10 && strstr(buf, " (deleted)")))
                return 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int lock_block(struct fcr_lock *l, int fd, const char *path, dev_t devno, struct fcr_diag *d) {
        _cleanup_free_ char *whole_name = NULL, *backing = NULL;
        dev_t whole = 0;
        int r;

        if (blkid_devno_to_wholedisk(devno, NULL, 0, &whole) < 0 || whole == 0)
                whole = devno;
        if (whole != devno) {
                whole_name = blkid_devno_to_devname(whole);
                if (!whole_name)
                        return fcr_fail(d, -ENODEV, "cannot find the whole disk of %s (device %u:%u) to lock it",
                                        path, major(whole), minor(whole));
        }
        r = whole_name ? lock_one(l, whole_name, path, d) : lock_self(l, fd, path, d);
        if (r < 0)
                return r;
        r = loop_backing_file(whole, &backing);
        if (r < 0)
                return fcr_fail(d, r, "cannot tell the backing file of loop device %s: %s", path, strerror(-r));
        return backing ? lock_one(l, backing, path, d) : 0;
}

int fcr_lock_take(int fd, const char *path, struct fcr_lock *l, struct fcr_diag *d) {
        unsigned had = l->n;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return fcr_fail(d, -errno, "cannot lock %s: %s", path, strerror(errno));
        if (S_ISBLK(st.st_mode))
                r = lock_block(l, fd, path, st.st_rdev, d);
        else {
                r = lock_self(l, fd, path, d);
                if (r >= 0 && S_ISREG(st.st_mode))
                        r = lock_loops_of(l, path, &st, d);
        }
        if (r < 0)
                while (l->n > had)
                        close(l->fds[--l->n]);
        return r;
}

void fcr_lock_release(struct fcr_lock *l) {
        for (unsigned i = 0; i < l->n; i++)
                close(l->fds[i]);       /* closing drops the flock */
        l->n = 0;
}
