#!/bin/sh
# At boot fcreplayd can start before udevd's coldplug has processed the
# disks.  A dirty block device udevd has not processed yet is read at
# start all the same and replayed before READY=1; its event, when udevd's
# coldplug reaches it, finds it dealt with: not replayed again, not held
# back from systemd.  Needs a running udevd.  The test's own
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

# A dirty device as udevd leaves it before its coldplug: no database entry
# (nor the tag that 64-fcreplayd.rules gives).
dirty boot
dev=$(losetup -f --show "$TMP/boot.img")
udevadm settle -t 10
num=$(cat "/sys/class/block/$(basename "$dev")/dev")
rm -f "/run/udev/data/b$num" "/run/udev/tags/fcreplayd/b$num"
# udev's tag directory there (other devices tagged, or none): the daemon
# enumerates the tagged devices, and those udevd has not processed.
mkdir -p /run/udev/tags/fcreplayd
udevadm info -q property -n "$dev" 2> /dev/null | grep -q '^ID_FS_TYPE=' &&
        fail "$dev still has a udev database entry"

export FCREPLAYD_DEBUG=1
start_daemon "include = LABEL=$LABEL_PREFIX-boot"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "udev does not run 64-fcreplayd.rules" "$TMP/daemon.log" && fail "the daemon did not find this test's rule"
needs_recovery "$dev" && fail "$dev, unknown to udevd, was not replayed before READY=1"
grep -q "$dev: replayed" "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "no replay of $dev logged"; }

# udevd's coldplug reaches it: dealt with already, not held, not read again.
seen=$(wc -l < "$TMP/monitor.log")
udevadm trigger --action=add "$dev"
wait_for "$TMP/daemon.log" "$dev: skipped: dealt with already" 10
udevadm settle -t 10
events "$dev" "$seen" > "$TMP/events"
[ -s "$TMP/events" ] || fail "udevd announced no event for $dev"
grep -q held "$TMP/events" && { cat "$TMP/events" >&2; fail "$dev was held back from systemd after its replay"; }
[ "$(grep -c "$dev: replay started" "$TMP/daemon.log")" -eq 1 ] || fail "$dev replayed more than once"
stop_daemon
replayed_right "$dev"
echo "unprocessed: $dev, unknown to udevd at start, replayed before READY=1, its event left alone"
