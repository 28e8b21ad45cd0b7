#!/bin/sh
# A device that hangs never freezes fcreplayd (issue 23, 0.4): a loop
# device on a FUSE file whose reads go unanswered (tests/daemon/
# hang-fuse.py; no device-mapper or NBD here).
#  1. Without udev's database it is read, but only in the probe's child,
#     under the time limit: D-Bus is answered meanwhile, READY=1 comes at
#     the limit, and the other devices are replayed.
#  2. With udev's database saying it is an ext4 that the configuration
#     excludes (its label), it is not read at all: excluded at once, no
#     probe past its limit.
# The old daemon read every device in its main loop: status timed out and
# READY=1 waited for the hang to end (by itself, after 10 s: the daemons
# of other tests look at every block device too).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
. "$top_srcdir/tests/daemon/hang-lib.sh"

dirty p
dirty h
hang_setup h
pdev=$(losetup -f --show "$TMP/p.img")
start_bus

# 1. No udev database here: read in the child, under its 1 s limit.
hang
start_daemon "include = LABEL=$LABEL_PREFIX-p" "timeout = 1"
t0=$(date +%s%N)
wait_owned 5
timeout 2 "$CTL" status > "$TMP/status.out" || fail "status while $HDEV hangs: exit $?"
wait_for "$TMP/notify.log" "READY=1" 9
ms=$((($(date +%s%N) - t0) / 1000000))
hung_still "READY=1 came"
[ "$(reads)" -gt 0 ] || fail "$HDEV was not read: the test's hang did not happen"
grep -q "$HDEV: skipped: did not answer its probe within 1 s" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "no report of the hung probe"; }
replayed_right "$pdev"
stop_daemon
echo "hang: READY=1 in $ms ms with $HDEV hung; status answered meanwhile; $pdev replayed"
unhang

# 2. udev's database (as udevd writes it) says: ext4, labelled as the
# configuration does not include.  Not one read.
UDEV_DB=/run/udev/data/b$(cat "/sys/class/block/$(basename "$HDEV")/dev")
HANG_EXTRA_CLEANUP=$UDEV_DB
[ -d /run/udev/data ] || HANG_EXTRA_CLEANUP="$HANG_EXTRA_CLEANUP /run/udev/data"
[ -d /run/udev ] || HANG_EXTRA_CLEANUP="$HANG_EXTRA_CLEANUP /run/udev"
mkdir -p /run/udev/data
printf 'I:1\nE:ID_FS_TYPE=ext4\nE:ID_FS_USAGE=filesystem\nE:ID_FS_LABEL=%s\nE:ID_FS_LABEL_ENC=%s\n' \
        "$LABEL_PREFIX-h" "$LABEL_PREFIX-h" > "$UDEV_DB"
hang
start_daemon "include = LABEL=$LABEL_PREFIX-p" "timeout = 1"
t0=$(date +%s%N)
wait_for "$TMP/notify.log" "READY=1" 9
ms=$((($(date +%s%N) - t0) / 1000000))
hung_still "READY=1 came"
timeout 2 "$CTL" status > /dev/null || fail "status: exit $?"
# Read, it would have hung past the 1 s limit and said so.  (Its read
# count tells nothing here: any program on the machine may read it.)
grep -q "$HDEV: skipped: excluded by the configuration (LABEL=$LABEL_PREFIX-h" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "$HDEV not excluded on udev's word"; }
! grep -q "$HDEV: skipped: did not answer" "$TMP/daemon.log" ||
        fail "$HDEV was read although udev's database says the configuration excludes it"
stop_daemon
echo "hang: with udev's word, $HDEV (excluded) was not read; READY=1 in $ms ms"
