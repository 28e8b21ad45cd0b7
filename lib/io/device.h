/* A device or image, opened once.  Every check, lock, read and write of a
 * replay goes through this one descriptor (libext2fs too, through its
 * unixfd I/O manager), so that the file checked is the file written: a
 * path re-pointed in between (a udev symlink, an image renamed over, a
 * loop device given another backing file) cannot slip in.
 *
 * For writing, a block device is opened with O_EXCL: the kernel refuses
 * that while the device is mounted or claimed (md, dm, another exclusive
 * opener), and refuses a mount while we hold it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/diag.h>

struct fcr_device {
        char *path;             /* as given, for messages */
        int fd;                 /* -1: not open */
        bool rw;
        struct stat st;         /* at open */
        uint64_t size;          /* bytes, at open */
        uint64_t diskseq;       /* the disk's sequence number at open; 0: none (an
                                 * image, or Linux before 5.15) */
};

/* Not open; so is a zeroed one (path NULL). */
#define FCR_DEVICE_NULL ((struct fcr_device) { .fd = -1 })

/* Open path, a block device or a regular file (else -EMEDIUMTYPE).  rw:
 * read-write; a mounted or claimed device is -EBUSY, a read-only block
 * device -EROFS. */
int fcr_device_open(const char *path, bool rw, struct fcr_device *ret, struct fcr_diag *d);
void fcr_device_close(struct fcr_device *dev);

/* libext2fs on the descriptor: ext2fs_open2() through io (NULL:
 * unixfd_io_manager; a test's manager wraps that one), which is given a
 * duplicate of the descriptor, by number, as the device's name. */
errcode_t fcr_device_ext2fs_open(const struct fcr_device *dev, int flags, io_manager io, ext2_filsys *ret);

/* Still the disk that was opened: its sequence number and size are
 * unchanged (media changed, losetup --set-capacity).  -ESTALE otherwise. */
int fcr_device_recheck(const struct fcr_device *dev, struct fcr_diag *d);

/* The len bytes at offset are still was, read from the device itself
 * (not from a cache in front of it); what names them in the message.
 * -ESTALE otherwise. */
int fcr_device_unchanged(const struct fcr_device *dev, uint64_t offset, const void *was, size_t len,
                         const char *what, struct fcr_diag *d);
