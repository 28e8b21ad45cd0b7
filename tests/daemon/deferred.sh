#!/bin/sh
# At boot fcreplayd can start before udevd's coldplug has processed the
# disks.  With udevd and its rule, a block device udevd has not processed
# yet is not read at start (its READY=1 does not wait for it): it is read
# when udevd announces it, held back from systemd by 64-fcreplayd.rules
# until replayed, then released.  Needs a running udevd.  The test's own
# rule (this build's helper, this test's devices only) has a name of its
# own, so that other tests' daemons do not take it for the installed one;
# $FCREPLAYD_UDEV_RULE names it to this one.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
RULE=/run/udev/rules.d/64-fcreplayd-test-$$.rules
command -v udevadm > /dev/null && udevadm control --ping 2> /dev/null || skip "udevd is not running"
export FCREPLAYD_UDEV_RULE="$RULE"
trap 'rm -f "$RULE"; udevadm control --reload; daemon_cleanup' EXIT
mkdir -p /run/udev/rules.d
sed -e "s|@udevdir@/fcreplay-hold|/usr/bin/env FCREPLAYD_RUNTIME_DIR=$FCREPLAYD_RUNTIME_DIR $top_builddir/fcreplay-hold|" \
        -e "/^ACTION!=/i ATTR{loop/backing_file}!=\"$TMP/*\", GOTO=\"fcreplayd_end\"" \
        "$top_srcdir/systemd/64-fcreplayd.rules.in" > "$RULE"
udevadm control --reload
udevadm monitor --udev --property --subsystem-match=block > "$TMP/monitor.log" 2>&1 &
MON_PID=$!
trap 'kill "$MON_PID"; rm -f "$RULE"; udevadm control --reload; daemon_cleanup' EXIT
wait_for "$TMP/monitor.log" "^UDEV" 5

# held_then_free DEV: udev held DEV back, and its last event frees it.
held_then_free() {
        udevadm settle -t 10
        awk -v dev="$1" 'BEGIN { RS = "" } $0 ~ "(^|\n)DEVNAME=" dev "(\n|$)" {
                print (/(^|\n)FCREPLAY_HELD=1(\n|$)/ && /(^|\n)SYSTEMD_READY=0(\n|$)/) ? "held" : "free" }' \
                "$TMP/monitor.log" > "$TMP/events"
        grep -q held "$TMP/events" || { cat "$TMP/events" >&2; fail "$1 was not held back from systemd"; }
        tail -n 1 "$TMP/events" | grep -q free || { cat "$TMP/events" >&2; fail "$1 is still held"; }
}

# A dirty device as udevd leaves it before its coldplug: no database entry
# (nor the tag that 64-fcreplayd.rules gives).
dirty boot
dev=$(losetup -f --show "$TMP/boot.img")
udevadm settle -t 10
num=$(cat "/sys/class/block/$(basename "$dev")/dev")
rm -f "/run/udev/data/b$num" "/run/udev/tags/fcreplayd/b$num"
# No other device tagged: the daemon enumerates every block device, and
# finds this one there (otherwise only the tagged ones, without it).
rmdir /run/udev/tags/fcreplayd 2> /dev/null || true
udevadm info -q property -n "$dev" 2> /dev/null | grep -q '^ID_FS_TYPE=' &&
        fail "$dev still has a udev database entry"

export FCREPLAYD_DEBUG=1
start_daemon "include = LABEL=$LABEL_PREFIX-boot"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "udev does not run 64-fcreplayd.rules" "$TMP/daemon.log" && fail "the daemon did not find this test's rule"
needs_recovery "$dev" || fail "$dev was replayed before udevd announced it"
grep -q "$dev: replay started" "$TMP/daemon.log" && fail "$dev was read before udevd announced it"
if [ ! -e /run/udev/tags/fcreplayd ]; then
        grep -q "$dev: not processed by udevd yet" "$TMP/daemon.log" ||
                { cat "$TMP/daemon.log" >&2; fail "$dev not enumerated, or not recognised as unknown to udevd"; }
fi

# udevd's coldplug reaches it: held, replayed, released.
udevadm trigger --action=add "$dev"
wait_for "$TMP/daemon.log" "$dev: replayed" 10
held_then_free "$dev"
[ "$(grep -c "$dev: replay started" "$TMP/daemon.log")" -eq 1 ] || fail "$dev replayed more than once"
stop_daemon
replayed_right "$dev"
echo "deferred: $dev, unknown to udevd at start, replayed once after its event, held until then"
