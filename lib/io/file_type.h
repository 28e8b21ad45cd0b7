/* What a device or image path is: a block device or a regular file is
 * something a filesystem can be read from. */
#pragma once
#include <sys/types.h>
#include <fcreplay/diag.h>

/* 0 for a block device or a regular file; else -EMEDIUMTYPE, "PATH is a
 * FIFO, not a block device or a regular file". */
int fcr_check_mode(const char *path, mode_t mode, struct fcr_diag *d);
