#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <blkid/blkid.h>
#include <time.h>
#include "message.h"
#include "probe.h"

static void copy_value(blkid_probe pr, const char *name, char *dst, size_t len) {
        const char *v = NULL;

        if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
                snprintf(dst, len, "%s", v);
}

/* libblkid's verdict, for a device udev has not told us about: ext4 (or
 * ext3, which the ext4 driver mounts too) with its UUID and label. */
static int probe_type(const char *devnode, struct fcrd_probe *p) {
        const char *type = NULL;
        blkid_probe pr;
        int r;

        pr = blkid_new_probe_from_filename(devnode);
        if (!pr)
                return errno ? -errno : -EIO;
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
        r = blkid_do_safeprobe(pr);
        if (r == -1) {
                /* A read error, not "nothing found" (1) or "ambivalent" (-2). */
                blkid_free_probe(pr);
                return -EIO;
        }
        if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
                p->ext4 = type && (!strcmp(type, "ext4") || !strcmp(type, "ext3"));
        if (p->ext4) {
                copy_value(pr, "UUID", p->uuid, sizeof(p->uuid));
                copy_value(pr, "LABEL", p->label, sizeof(p->label));
        }
        blkid_free_probe(pr);
        return 0;
}

/* An unmount leaves the mount table before the filesystem has let go of
 * the device and written its superblock (its journal flushed first, which
 * takes a while on a busy machine): wait until the device can be opened
 * exclusively, which it cannot while mounted.  Up to 30 s, in the probe's
 * child, under its time limit. */
static void wait_released(const char *node) {
        for (int i = 0; i < 600; i++) {
                struct timespec ts = { 0, 50000000L };
                int fd = open(node, O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC);

                if (fd >= 0) {
                        close(fd);
                        return;
                }
                if (errno != EBUSY)
                        return;
                nanosleep(&ts, NULL);
        }
}

int fcrd_probe_device(const char *devnode, unsigned flags, struct fcrd_probe *ret) {
        struct fcrd_probe p = {};
        int r;

        if (flags & FCRD_PROBE_AFTER_UNMOUNT)
                wait_released(devnode);
        if (!(flags & FCRD_PROBE_EXT4_KNOWN)) {
                r = probe_type(devnode, &p);
                if (r < 0)
                        return r;
                if (!p.ext4) {
                        *ret = p;
                        return 0;
                }
        }
        r = fcrd_probe_ext4(devnode, &p);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

enum { ANSWER = 'A' };
enum { F_EXT4 = 1, F_JOURNAL = 2, F_RECOVER = 4, F_FAST_COMMIT = 8, F_MOUNTED = 16 };

int fcrd_probe_encode(int r, const struct fcrd_probe *p, void *buf, size_t len) {
        struct fcrd_msg_out m;

        fcrd_msg_start(&m, ANSWER);
        fcrd_msg_put_u64(&m, (uint64_t) (int64_t) r);
        fcrd_msg_put_u64(&m, (p->ext4 ? F_EXT4 : 0) | (p->has_journal ? F_JOURNAL : 0) |
                                     (p->needs_recovery ? F_RECOVER : 0) | (p->fast_commit ? F_FAST_COMMIT : 0) |
                                     (p->mounted ? F_MOUNTED : 0));
        fcrd_msg_put_u64(&m, (uint64_t) p->devnum);
        fcrd_msg_put_u64(&m, p->diskseq);
        fcrd_msg_put_str(&m, p->uuid, sizeof(p->uuid) - 1);
        fcrd_msg_put_str(&m, p->label, sizeof(p->label) - 1);
        fcrd_msg_put_str(&m, p->backing, sizeof(p->backing) - 1);
        return fcrd_msg_copy(&m, buf, len);
}

int fcrd_probe_decode(const void *buf, size_t len, int *ret_r, struct fcrd_probe *ret) {
        struct fcrd_probe p = {};
        struct fcrd_msg_in m;
        uint8_t type;
        int64_t r;
        uint64_t f;

        if (fcrd_msg_begin(&m, buf, len, &type) < 0 || type != ANSWER)
                return -EBADMSG;
        r = (int64_t) fcrd_msg_get_u64(&m);
        f = fcrd_msg_get_u64(&m);
        p.devnum = (dev_t) fcrd_msg_get_u64(&m);
        p.diskseq = fcrd_msg_get_u64(&m);
        fcrd_msg_get_str(&m, p.uuid, sizeof(p.uuid));
        fcrd_msg_get_str(&m, p.label, sizeof(p.label));
        fcrd_msg_get_str(&m, p.backing, sizeof(p.backing));
        /* A negative errno or 0; no flag but the five. */
        if (fcrd_msg_end(&m) < 0 || r > 0 || r < -4095 || (f & ~(uint64_t) 31))
                return -EBADMSG;
        p.ext4 = f & F_EXT4;
        p.has_journal = f & F_JOURNAL;
        p.needs_recovery = f & F_RECOVER;
        p.fast_commit = f & F_FAST_COMMIT;
        p.mounted = f & F_MOUNTED;
        *ret_r = (int) r;
        *ret = p;
        return 0;
}
