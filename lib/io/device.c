#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "device.h"
#include "file_type.h"
#include "journal_io.h"

/* Devices past 2 GiB on 32-bit builds: configure's AC_SYS_LARGEFILE (or
 * dpkg-buildflags' -D_FILE_OFFSET_BITS=64) must be in effect. */
_Static_assert(sizeof(off_t) == 8, "off_t must be 64-bit");

/* Mounted (by name: /proc/mounts, and the loop devices of an image) or
 * in use: refused for writing, with the mount point when there is one. */
static int check_not_mounted(const char *path, struct fcr_diag *d) {
        char mtpt[4096] = "";
        int flags = 0;
        errcode_t e;

        e = ext2fs_check_mount_point(path, &flags, mtpt, sizeof(mtpt));
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot tell whether %s is mounted: %s", path,
                                error_message(e));
        if (flags & EXT2_MF_MOUNTED)
                return fcr_fail(d, -EBUSY, "%s is mounted on %s; refusing to replay a mounted filesystem", path,
                                mtpt[0] ? mtpt : "(unknown)");
        if (flags & EXT2_MF_BUSY)
                return fcr_fail(d, -EBUSY, "%s is in use by another program", path);
        return 0;
}

static int open_fd(const char *path, bool rw, bool blk, struct fcr_diag *d) {
        /* O_NONBLOCK: should the path name a FIFO by now, open() must not
         * wait for a writer; the type is checked once it is open. */
        int flags = (rw ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, fd, err;

        /* O_EXCL without O_CREAT means "exclusive" for block devices only. */
        if (rw && blk)
                flags |= O_EXCL;
        fd = open(path, flags);
        if (fd >= 0)
                return fd;
        err = errno;
        /* Mounted since it was looked at: say where. */
        if (err == EBUSY && check_not_mounted(path, d) < 0)
                return -EBUSY;
        if (err == EBUSY)
                return fcr_fail(d, -EBUSY, "%s is in use by another program (mounted or opened exclusively)", path);
        return fcr_fail(d, -err, "cannot open %s%s: %s", path, rw ? " for writing" : "", strerror(err));
}

/* The block device's size, read-only flag and disk sequence number. */
static int block_facts(struct fcr_device *dev, struct fcr_diag *d) {
        int ro = 0;

        if (ioctl(dev->fd, BLKGETSIZE64, &dev->size) < 0)
                return fcr_fail(d, -errno, "cannot tell the size of %s: %s", dev->path, strerror(errno));
        /* A read-only block device (losetup -r, a write-protected disk)
         * opens read-write all the same; only the first write would fail. */
        if (dev->rw && ioctl(dev->fd, BLKROGET, &ro) == 0 && ro)
                return fcr_fail(d, -EROFS, "%s is a read-only block device", dev->path);
        /* ENOTTY before Linux 5.15: no number to compare, then. */
        if (ioctl(dev->fd, BLKGETDISKSEQ, &dev->diskseq) < 0)
                dev->diskseq = 0;
        return 0;
}

/* The file opened is the one looked at: same type, inode and device. */
static bool same_file(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_rdev == b->st_rdev &&
               (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT);
}

int fcr_device_open(const char *path, bool rw, struct fcr_device *ret, struct fcr_diag *d) {
        struct fcr_device dev = { .rw = rw, .fd = -1 };
        struct stat before;
        int r;

        /* Looked at before it is opened: opening a character device may
         * act (a watchdog arms itself). */
        if (stat(path, &before) < 0)
                return fcr_fail(d, -errno, "cannot open %s: %s", path, strerror(errno));
        r = fcr_check_mode(path, before.st_mode, d);
        if (r >= 0 && rw)
                r = check_not_mounted(path, d);
        if (r < 0)
                return r;
        dev.path = strdup(path);
        if (!dev.path)
                return -ENOMEM;
        dev.fd = open_fd(path, rw, S_ISBLK(before.st_mode), d);
        if (dev.fd < 0) {
                r = dev.fd;
                goto fail;
        }
        if (fstat(dev.fd, &dev.st) < 0) {
                r = fcr_fail(d, -errno, "cannot open %s: %s", path, strerror(errno));
                goto fail;
        }
        if (!same_file(&before, &dev.st)) {
                r = fcr_fail(d, -ESTALE, "%s changed while it was opened (now another file); nothing written", path);
                goto fail;
        }
        if (fcntl(dev.fd, F_SETFL, fcntl(dev.fd, F_GETFL) & ~O_NONBLOCK) < 0) {
                r = fcr_fail(d, -errno, "cannot open %s: %s", path, strerror(errno));
                goto fail;
        }
        dev.size = dev.st.st_size;
        if (S_ISBLK(dev.st.st_mode)) {
                r = block_facts(&dev, d);
                if (r < 0)
                        goto fail;
        }
        *ret = dev;
        return 0;
fail:
        fcr_device_close(&dev);
        return r;
}

void fcr_device_close(struct fcr_device *dev) {
        /* Zeroed (calloc) is "not open" too: path is set first. */
        if (!dev->path)
                return;
        if (dev->fd >= 0)
                close(dev->fd);
        free(dev->path);
        *dev = FCR_DEVICE_NULL;
}

errcode_t fcr_device_ext2fs_open(const struct fcr_device *dev, int flags, io_manager io, ext2_filsys *ret) {
        int fd = fcntl(dev->fd, F_DUPFD_CLOEXEC, 3);
        struct stat st;
        char name[16];
        errcode_t e;

        if (fd < 0)
                return errno;
        snprintf(name, sizeof(name), "%d", fd);
        e = ext2fs_open2(name, NULL, flags, 0, 0, io ? io : unixfd_io_manager, ret);
        /* A channel that was set up closes the descriptor on failure; one
         * that failed before (out of memory) leaves it open. */
        if (e && fstat(fd, &st) == 0 && same_file(&st, &dev->st))
                close(fd);
        return e;
}

int fcr_device_recheck(const struct fcr_device *dev, struct fcr_diag *d) {
        uint64_t size, seq = 0;
        struct stat st;

        if (fstat(dev->fd, &st) < 0)
                return fcr_fail(d, -errno, "cannot look at %s again: %s", dev->path, strerror(errno));
        size = st.st_size;
        if (S_ISBLK(st.st_mode)) {
                if (ioctl(dev->fd, BLKGETSIZE64, &size) < 0)
                        return fcr_fail(d, -errno, "cannot tell the size of %s: %s", dev->path, strerror(errno));
                if (ioctl(dev->fd, BLKGETDISKSEQ, &seq) < 0)
                        seq = 0;
        }
        if (seq != dev->diskseq)
                return fcr_fail(d, -ESTALE, "%s holds another disk since it was opened (disk sequence number %" PRIu64
                                ", was %" PRIu64 "); nothing written", dev->path, seq, dev->diskseq);
        if (size != dev->size)
                return fcr_fail(d, -ESTALE, "the size of %s changed since it was opened (%" PRIu64
                                " bytes, was %" PRIu64 "); nothing written", dev->path, size, dev->size);
        return 0;
}

int fcr_device_unchanged(const struct fcr_device *dev, uint64_t offset, const void *was, size_t len,
                         const char *what, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *now = malloc(len);
        ssize_t n;

        if (!now)
                return -ENOMEM;
        /* Clean cached pages go: the read then comes from the device (a
         * loop device's backing file written behind its cache, say). */
        (void) posix_fadvise(dev->fd, offset, len, POSIX_FADV_DONTNEED);
        n = pread(dev->fd, now, len, offset);
        if (n < 0)
                return fcr_fail(d, -errno, "cannot read %s of %s again: %s", what, dev->path, strerror(errno));
        if ((size_t) n != len || memcmp(now, was, len) != 0)
                return fcr_fail(d, -ESTALE, "%s of %s changed since it was read: another program wrote to it; "
                                "nothing written", what, dev->path);
        return 0;
}
