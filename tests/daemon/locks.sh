#!/bin/sh
# One lock protocol for fcreplay, fcreplayd and udev: flock(LOCK_EX) on
# the whole-disk device, on an image file, on a loop device's backing
# file, on the loop devices backed by an image file, and on an external
# journal.  A held lock is "busy" (exit 3) and nothing is written; the
# daemon tries again a few times before it reports a device busy.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/daemon/locks-lib.sh"

# 1. An image file whose lock another program holds.
dirty a
hold "$TMP/a.img"
expect_busy "image file locked" "$TMP/a.img" replay "$TMP/a.img"
release

# 2. A loop device whose backing file is locked; and the loop device itself.
dev=$(losetup -f --show "$TMP/a.img")
hold "$TMP/a.img"
expect_busy "backing file of $dev locked" "$TMP/a.img" replay "$dev"
grep -q "lock of $TMP/a.img" "$TMP/err" || fail "the message does not name the backing file"
release
hold "$dev"
expect_busy "$dev locked" "$TMP/a.img" replay "$dev"
# The other way: a program that locks only the loop device (systemd's
# convention) keeps fcreplay off the file behind it, dry run or not.
expect_busy "$dev locked, replay of its backing file" "$TMP/a.img" replay "$TMP/a.img"
grep -q "lock of $dev" "$TMP/err" || fail "the message does not name $dev"
expect_busy "$dev locked, dry run of its backing file" "$TMP/a.img" replay -n "$TMP/a.img"
release

# 2b. An external journal whose lock another program holds.
truncate -s 32M "$TMP/xfs.img"
truncate -s 8M "$TMP/xj.img"
mke2fs -q -F -O journal_dev -b 4096 "$TMP/xj.img" || fail "mke2fs journal_dev"
xj=$(losetup -f --show "$TMP/xj.img")
mkfs.ext4 -q -F -b 4096 -J device="$xj" "$TMP/xfs.img" || fail "mkfs.ext4 with an external journal"
"$FCREPLAY" replay -n -J "$TMP/xj.img" "$TMP/xfs.img" > /dev/null || fail "dry run with an external journal: exit $?"
hold "$TMP/xj.img"
expect_busy "external journal locked" "$TMP/xj.img" replay -n -J "$TMP/xj.img" "$TMP/xfs.img"
grep -q "$TMP/xj.img is busy" "$TMP/err" || fail "the message does not name the journal"
release
losetup -d "$xj"

# 2c. The whole disk of a partition: tests/daemon/locks-partition.sh.

# 3. The daemon replaying the loop device, fcreplay on its backing file:
# only one of them writes.
export FCREPLAYD_TEST_HOLD_MS=3000
start_daemon "include = LABEL=$LABEL_PREFIX-a"
wait_for "$TMP/daemon.log" "$dev: replay started" 10
sleep 0.5
expect_busy "backing file of $dev, while fcreplayd replays $dev" "$TMP/a.img" replay "$TMP/a.img"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "$dev: replayed" "$TMP/daemon.log" || fail "the daemon did not replay $dev: $(cat "$TMP/daemon.log")"
stop_daemon
replayed_right "$dev"
echo "locks: fcreplayd held $dev and its backing file; fcreplay stayed out"

# 4. The daemon meets a lock held briefly (as udev's): it tries again and
# replays.  Held for good: the device is reported busy, not failed, and
# stays dirty.
unset FCREPLAYD_TEST_HOLD_MS
dirty b
dirty c
bdev=$(losetup -f --show "$TMP/b.img")
cdev=$(losetup -f --show "$TMP/c.img")
hold "$bdev"
HOLD_B=$HOLDER
hold "$cdev"
start_daemon "include = LABEL=$LABEL_PREFIX-b LABEL=$LABEL_PREFIX-c" "parallel = 2"
wait_for "$TMP/daemon.log" "$bdev: replay started" 10
sleep 0.3
kill "$HOLD_B"; wait "$HOLD_B" 2> /dev/null || true
wait_for "$TMP/daemon.log" "$bdev: replayed" 20
wait_for "$TMP/daemon.log" "$cdev: busy, not replayed, nothing written: .*is busy" 20
cat "$TMP/daemon.log"
release
stop_daemon
replayed_right "$bdev"
needs_recovery "$cdev" || fail "$cdev was written"
echo "locks: the daemon retried $bdev and replayed it; $cdev reported busy"
