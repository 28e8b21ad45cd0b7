/* The checks of opening a filesystem for a replay, before anything is
 * planned, and their repetition right before the first write: the device
 * is the one the caller probed (struct fcr_expect), unmounted, writable,
 * as large as its filesystem, and the superblock is as it was read. */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/diag.h>
#include <fcreplay/engine.h>
#include "device.h"

/* Open the device at path (read-write and exclusively when rw), check it
 * against want (NULL: nothing expected), then its filesystem. */
int fcr_fs_open(const char *path, bool rw, io_manager io, const struct fcr_expect *want,
                struct fcr_device *ret_dev, ext2_filsys *ret_fs, struct fcr_diag *d);

/* Right before the first write: the device is the disk opened, of the
 * same size, and its superblock is still the one fs was opened with. */
int fcr_fs_recheck(const struct fcr_device *dev, ext2_filsys fs, struct fcr_diag *d);
