/* Finding block devices: enumerate them at start (inside the event loop,
 * one device per turn; the manager hears discovery_done at the end), then
 * watch add and change events.  With udevd running, its processed events,
 * and its database's word on each device (ID_FS_TYPE, ID_FS_UUID,
 * ID_FS_LABEL_ENC: what udev's blkid found) handed to the manager, which
 * reads no device that word rules out; without udevd (no
 * /run/udev/control: containers, early boot without udev), the kernel's
 * own uevents, and no database: each device is read (in a child). */
#pragma once
#include <stddef.h>
#include <systemd/sd-event.h>
#include "manager.h"

struct fcrd_discover;

int fcrd_discover_start(struct fcrd_manager *m, struct fcrd_discover **ret);
void fcrd_discover_free(struct fcrd_discover *d);

/* udev's \xNN escapes (ID_FS_LABEL_ENC) decoded into dst (len bytes);
 * -ENAMETOOLONG when it does not fit.  A \x00 stays as it is. */
int fcrd_udev_unescape(const char *enc, char *dst, size_t len);
