/* What fcreplayd replays on its own (issue 23): a dirty ext4 that this
 * boot mounts (boot_mounts.h), or that include= names.  Removable and
 * hot-plugged media (udev's ID_BUS=usb, a flash reader's
 * ID_DRIVE_FLASH_* or ID_DRIVE_MEDIA_FLASH_*, sysfs removable=1) only
 * when include= names them exactly, with no wildcard: a stick plugged in
 * is someone's input, not this machine's filesystem.  Every other dirty
 * device is reported, and replayed when an admin asks.
 *
 * For tests: $FCREPLAYD_TEST_UDEV_PROPERTIES names a file of
 * "NODE KEY=VALUE" lines that add to udev's properties of NODE
 * ("removable=1" stands for the sysfs attribute). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "daemon_config.h"
#include "probe.h"

/* Whether the dirty device node (as p read it) is replayed on its own;
 * why says why (or why not, with the way to replay it). */
bool fcrd_policy_auto(const struct fcrd_config *c, const char *node, const struct fcrd_probe *p, char *why,
                      size_t why_len);
