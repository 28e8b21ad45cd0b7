/* Holding late devices back from systemd until fcreplayd is done with
 * them.  A device that appears after READY=1 could otherwise be mounted
 * (an fstab entry waiting for it) while its replay is still starting.
 *
 * udev's 64-fcreplayd.rules runs fcreplay-hold on every ext4 add or
 * change event; it prints FCREPLAY_HELD=1, and the rule then sets
 * SYSTEMD_READY=0 (systemd keeps the .device unit inactive, so mounts
 * wait), when all of these hold:
 *   - DIR/auto exists: fcreplayd runs and replays on its own; it creates
 *     the marker before it subscribes to uevents and enumerates, so a
 *     device is either in its initial pass or held;
 *   - DIR/done/MAJ:MIN:DISKSEQ (MAJ:MIN without a disk sequence number)
 *     does not: fcreplayd has not dealt with this incarnation yet;
 *   - the superblock asks for recovery and the device is not mounted.
 * fcreplayd writes the done marker once it has decided on a device, then
 * releases a held one with a "change" uevent, in which the helper finds
 * the marker.  DIR is $FCREPLAYD_RUNTIME_DIR or /run/fcreplayd (the
 * unit's RuntimeDirectory=, removed when the service stops). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include "daemon_config.h"

/* One incarnation of a block device: its number and the kernel's
 * sequence number of its disk (a partition has its disk's; 0: the kernel
 * has none, before Linux 5.15). */
struct fcrd_hold_key {
        dev_t devnum;
        uint64_t diskseq;
};

const char *fcrd_hold_dir(void);

/* The key of the block device devnode.  diskseq: udev's $env{DISKSEQ};
 * NULL or empty (partitions have none) reads the disk's from sysfs. */
int fcrd_hold_key_from_node(const char *devnode, const char *diskseq, struct fcrd_hold_key *ret);

/* Whether the auto marker, or k's done marker, exists. */
bool fcrd_hold_auto(void);

/* Whether udev would run the rule: the first 64-fcreplayd.rules in its
 * search path is a non-empty file (not a mask such as a link to
 * /dev/null); $FCREPLAYD_UDEV_RULE names the file instead (tests). */
bool fcrd_hold_rule_installed(void);
bool fcrd_hold_done(const struct fcrd_hold_key *k);

/* Both halves (the helper's, hold_marker.c; the daemon's, hold.c). */

/* DIR/name, or DIR/done/KEY when k is given (-ENAMETOOLONG: too long). */
int fcrd_hold_marker_path(const char *name, const struct fcrd_hold_key *k, char *buf, size_t len);

/* The disk's sequence number from sysfs: a disk has its own attribute, a
 * partition's is its parent directory's; 0 where there is none. */
uint64_t fcrd_hold_sysfs_diskseq(dev_t devnum);

/* The daemon's side.  Each logs its own failures: holding is best effort,
 * and nothing here may stop a replay. */

/* At start, before discovery: create DIR, forget the done markers of an
 * earlier run, set the auto marker as for fcrd_hold_configure(). */
void fcrd_hold_start(const struct fcrd_config *c);

/* The auto marker exists only when c replays on its own (auto_replay
 * and not dry_run): otherwise nothing would release what udev holds. */
void fcrd_hold_configure(const struct fcrd_config *c);

/* fcreplayd has decided on k (replayed, refused, failed, skipped, ...):
 * if udev holds it, write its done marker and trigger a "change" uevent
 * to release it.  mark: write the marker even when it is not held (after
 * a replay, so that no later event of this incarnation starts another). */
void fcrd_hold_release(const struct fcrd_hold_key *k, bool mark);

/* The device at node holds another disk than the one decided on: a
 * "change" uevent, so that it is looked at again as new (and held
 * again by udev if it is to be replayed). */
void fcrd_hold_announce(const char *node);

/* The device devnum is gone: drop its done markers (without a disk
 * sequence number the next device with that number would match them). */
void fcrd_hold_forget(dev_t devnum);

/* Stopping: remove the auto marker (before the replays are stopped: a
 * replay's close brings a change event), then, once the replays that
 * write have ended, release every held device. */
void fcrd_hold_stop(void);
void fcrd_hold_release_all(void);
