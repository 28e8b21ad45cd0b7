/* Finding block devices: enumerate them at start (inside the event loop,
 * one device per turn; the manager hears discovery_done at the end), then
 * watch add and change events.  With udevd running, its processed events; without it
 * (no /run/udev/control: containers, early boot without udev), the
 * kernel's own uevents. */
#pragma once
#include <systemd/sd-event.h>
#include "manager.h"

struct fcrd_discover;

int fcrd_discover_start(struct fcrd_manager *m, struct fcrd_discover **ret);
void fcrd_discover_free(struct fcrd_discover *d);
