/* The lock protocol shared by fcreplay, fcreplayd and every program that
 * follows systemd's "Locking Block Device Access" convention: before
 * writing, flock(LOCK_EX) on
 *   - the whole-disk block device (udev honours that lock too),
 *   - an image file itself,
 *   - and, for a loop device, its backing file as well, so that a replay
 *     of /dev/loopN and one of the file behind it exclude each other.
 * Never waits: a lock held elsewhere is -EBUSY, "busy". */
#pragma once
#include <fcreplay/diag.h>

#define FCR_LOCK_MAX 2

struct fcr_lock {
        int fds[FCR_LOCK_MAX];
        unsigned n;
};

/* Take every lock path needs; on failure none is held. */
int fcr_lock_take(const char *path, struct fcr_lock *ret, struct fcr_diag *d);
void fcr_lock_release(struct fcr_lock *l);
