/* What a block device holds, as far as fcreplayd cares: ext4 or not, its
 * UUID and label, whether it asks for journal recovery (has_journal and
 * RECOVER set), with fast commits or not, whether it is mounted, and for
 * a loop device the file behind it.  The daemon reads devices only in a
 * child process (prober.h); fcreplay-hold, run by udev, reads them
 * itself.  The answer's encoding for the child's message is here too. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fcrd_probe {
        bool ext4;
        /* The device read, from the descriptor the superblock was read
         * through: its number and its disk's sequence number (0: the
         * kernel has none).  A replay must find the same (fcr_expect). */
        dev_t devnum;
        uint64_t diskseq;
        char uuid[40], label[64];
        char backing[PATH_MAX];         /* a loop device's backing file, or "" */
        bool has_journal, needs_recovery, fast_commit;
        bool mounted;
};

enum {
        /* udev's blkid found ext4 (or ext3) already: read only the
         * superblock, not every signature libblkid knows. */
        FCRD_PROBE_EXT4_KNOWN = 1 << 0,
        /* The device has just left the mount table: wait until its
         * filesystem lets go of it (up to 30 s) before reading. */
        FCRD_PROBE_AFTER_UNMOUNT = 1 << 1,
};

/* 0, or a negative errno when the device cannot be read (-EIO when
 * libblkid fails to read it).  flags: FCRD_PROBE_*. */
int fcrd_probe_device(const char *devnode, unsigned flags, struct fcrd_probe *ret);

/* An ext2/3/4 superblock (len bytes, the 1024 at offset 1024) into p:
 * ext4, the journal's flags, and the UUID and label where p has none
 * yet.  -EMEDIUMTYPE when it has no ext2/3/4 magic (p untouched). */
/* Only the superblock (udev's word, or libblkid's, said ext4 already):
 * fills p in place, keeping a UUID and label it carries; p->ext4 false
 * when there is no ext superblock after all. */
int fcrd_probe_ext4(const char *devnode, struct fcrd_probe *p);

int fcrd_probe_superblock(const void *sb, size_t len, struct fcrd_probe *p);

/* A loop device's backing file into dst (/sys/class/block/loopN/loop/
 * backing_file: what the admin attached); dst untouched for any other
 * device. */
void fcrd_loop_backing(const char *devnode, char *dst, size_t len);

/* The probe's answer (r: fcrd_probe_device()'s) as a message (message.h)
 * into buf: its length, or a negative errno; and back, -EBADMSG for
 * anything that is not one. */
int fcrd_probe_encode(int r, const struct fcrd_probe *p, void *buf, size_t len);
int fcrd_probe_decode(const void *buf, size_t len, int *ret_r, struct fcrd_probe *ret);
