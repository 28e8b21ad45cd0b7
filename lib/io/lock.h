/* The lock protocol shared by fcreplay, fcreplayd and every program that
 * follows systemd's "Locking Block Device Access" convention: before
 * writing, flock(LOCK_EX) on
 *   - the whole-disk block device (udev honours that lock too),
 *   - an image file itself,
 *   - for a loop device, its backing file as well, and for an image file
 *     every loop device backed by it, so that a replay of /dev/loopN and
 *     one of the file behind it exclude each other, whichever of the two
 *     another program locked;
 *   - and the external journal's device, when there is one.
 * Never waits: a lock held elsewhere is -EBUSY, "busy". */
#pragma once
#include <fcreplay/diag.h>

#define FCR_LOCK_MAX 16

struct fcr_lock {
        int fds[FCR_LOCK_MAX];
        unsigned n;
};

/* Add every lock the device or image open on fd (path, for messages and
 * for the loop devices of an image) needs to l, which may hold others
 * already: the filesystem's, then its external journal's.  The file
 * itself is locked through fd, the others by name.  On failure those
 * taken by this call are released, the others kept. */
int fcr_lock_take(int fd, const char *path, struct fcr_lock *l, struct fcr_diag *d);
void fcr_lock_release(struct fcr_lock *l);
