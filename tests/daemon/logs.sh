#!/bin/sh
# What an admin needs in the logs: device lines name the label, the UUID
# and a loop device's backing file (message and FS_LABEL=, FS_UUID=,
# BACKING_FILE=), and a replay's line its times; a device that cannot be probed (here EACCES: no
# CAP_DAC_OVERRIDE and a 000 node) is a warning; an excluded device is
# logged once, not once per uevent; --verbose adds the debug lines (a
# device that is not ext4), which are not logged without it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
command -v setpriv > /dev/null || skip "setpriv is not installed (Debian package util-linux)"
command -v unshare > /dev/null || skip "unshare is not installed (Debian package util-linux)"
PNODE=""
trap '[ -z "$PNODE" ] || chmod 660 "$PNODE"; daemon_cleanup' EXIT
dirty a
dirty p
truncate -s 8M "$TMP/z.img"
truncate -s 32M "$TMP/e.img"
mkfs.ext4 -q -L "$LABEL_PREFIX-e" "$TMP/e.img" || fail "mkfs.ext4"
dev=$(losetup -f --show "$TMP/a.img")
zdev=$(losetup -f --show "$TMP/z.img")
edev=$(losetup -f --show "$TMP/e.img")
uuid=$(blkid -p -s UUID -o value "$dev")
[ -n "$uuid" ] || fail "no UUID for $dev"

# 1. --verbose; names; excluded once.
JOURNAL_LOG="$TMP/journal.log" DAEMON_ARGS=--verbose \
        start_daemon "include = LABEL=$LABEL_PREFIX-a LABEL=$LABEL_PREFIX-e" "exclude = LABEL=$LABEL_PREFIX-e"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "^<7>fcreplayd: $zdev: skipped: not ext4" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "--verbose: no debug line for $zdev, which is not ext4"; }
# The backing file as the kernel names it, which in a chroot (a package
# build) may be its path outside: it ends with ours.
grep -q "^<5>fcreplayd: $dev: replayed .*(LABEL=$LABEL_PREFIX-a, UUID=$uuid, loop on [^ ]*$TMP/a.img)$" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "the replay's line does not name $dev's label, UUID and file"; }
# Where its time went, and how much of it was work (issue 20's profiles).
secs='[0-9]+\.[0-9]{3} s'
grep -Eq "^<5>fcreplayd: $dev: replayed in $secs: .*; start $secs, open $secs, plan $secs, go-ahead $secs, write $secs; CPU $secs \(" \
        "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "the replay's line does not say where its time went"; }
grep "DEVICE=$dev|" "$TMP/journal.log" | grep "RESULT=replayed" | grep "FS_LABEL=$LABEL_PREFIX-a|" |
        grep "FS_UUID=$uuid|" | grep -q "BACKING_FILE=[^|]*$TMP/a.img" ||
        { cat "$TMP/journal.log" >&2; fail "no journal entry with FS_LABEL=, FS_UUID=, BACKING_FILE= for $dev"; }
# Three change uevents on the excluded device, then one on the replayed one:
# once that one is logged, the three have been handled (in order).
for i in 1 2 3; do echo change > "/sys/class/block/$(basename "$edev")/uevent"; done
echo change > "/sys/class/block/$(basename "$dev")/uevent"
wait_for "$TMP/daemon.log" "$dev: skipped: dealt with already" 10
n=$(grep -c "$edev: skipped: excluded by the configuration" "$TMP/daemon.log" || true)
[ "$n" -eq 1 ] || { cat "$TMP/daemon.log" >&2; fail "excluded $edev logged $n times, not once"; }
stop_daemon
echo "logs: names, FS_* fields, --verbose and one line for excluded $edev"

# 2. Cannot probe: a warning.  Without CAP_DAC_OVERRIDE, root cannot open a
# 000 node; without --verbose, no debug lines.
pdev=$(losetup -f --show "$TMP/p.img")
PNODE=$pdev
chmod 000 "$pdev"
DAEMON_WRAP="setpriv --bounding-set=-dac_override,-dac_read_search" start_daemon "include = LABEL=$LABEL_PREFIX-p"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "^<4>fcreplayd: $pdev: skipped: cannot probe it: Permission denied (loop on $TMP/p.img)$" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "no warning that $pdev cannot be probed"; }
! grep -q "^<7>" "$TMP/daemon.log" || fail "debug lines without --verbose"
stop_daemon
chmod 660 "$pdev"
PNODE=""
needs_recovery "$pdev" || fail "$pdev was replayed"
echo "logs: $pdev, which cannot be probed, is a warning"
