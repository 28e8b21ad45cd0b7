/* Mounts and unmounts, as they happen: /proc/self/mountinfo polled for
 * EPOLLPRI in the event loop (as systemd does), and the device numbers
 * mounted, read from it.  ext4 keeps needs_recovery set while mounted,
 * so a device's state follows its mounts, not only its superblock. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct fcrd_mounts {
        dev_t *devs;
        size_t n;
};

/* Call on_change whenever the mount table changes. */
int fcrd_mounts_watch(sd_event *e, sd_event_io_handler_t on_change, void *userdata, sd_event_source **ret);

/* The device numbers of what is mounted now. */
int fcrd_mounts_read(struct fcrd_mounts *ret);
bool fcrd_mounts_has(const struct fcrd_mounts *m, dev_t dev);
void fcrd_mounts_done(struct fcrd_mounts *m);
