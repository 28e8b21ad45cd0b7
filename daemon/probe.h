/* What a block device holds, as far as fcreplayd cares: ext4 or not
 * (libblkid), its UUID and label, whether it asks for journal recovery
 * (has_journal and RECOVER set), with fast commits or not, and whether it
 * is mounted. */
#pragma once
#include <stdbool.h>

struct fcrd_probe {
        bool ext4;
        char uuid[40], label[64];
        bool has_journal, needs_recovery, fast_commit;
        bool mounted;
};

/* 0, or a negative errno when the device cannot be read. */
int fcrd_probe_device(const char *devnode, struct fcrd_probe *ret);
