/* What a block device holds, as far as fcreplayd cares: ext4 or not
 * (libblkid), its UUID and label, whether it asks for journal recovery
 * (has_journal and RECOVER set), with fast commits or not, whether it
 * is mounted, and for a loop device the file behind it. */
#pragma once
#include <limits.h>
#include <stdbool.h>

struct fcrd_probe {
        bool ext4;
        char uuid[40], label[64];
        char backing[PATH_MAX];         /* a loop device's backing file, or "" */
        bool has_journal, needs_recovery, fast_commit;
        bool mounted;
};

/* 0, or a negative errno when the device cannot be read (-EIO when
 * libblkid fails to read it). */
int fcrd_probe_device(const char *devnode, struct fcrd_probe *ret);

/* A loop device's backing file into dst (/sys/class/block/loopN/loop/
 * backing_file: what the admin attached); dst untouched for any other
 * device. */
void fcrd_loop_backing(const char *devnode, char *dst, size_t len);
