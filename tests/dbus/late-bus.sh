#!/bin/sh
# At boot fcreplayd starts before the bus socket's directory exists: it
# watches the nearest ancestor that does, follows each directory down as it
# appears, and takes its name once the bus listens, with no client calling
# it.  Again when the directory is removed and made anew.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
# Two levels missing, as /run/dbus is before dbus.socket.
bus_at "$TMP/run/dbus/bus"
dirty a
start_daemon "include = LABEL=$LABEL_PREFIX-a" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "no system bus yet" "$TMP/daemon.log" || fail "the daemon did not say it waits for the bus"
! grep -q "cannot watch" "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "the daemon gave up on the bus"; }
mkdir "$TMP/run"
sleep 0.2
mkdir "$TMP/run/dbus"
sleep 0.2
start_bus
wait_owned 5
"$CTL" status > "$TMP/status.out" || fail "fcreplayctl status exit $?"
grep -q "^fcreplayd .*: running" "$TMP/status.out" || { cat "$TMP/status.out" >&2; fail "status: no daemon line"; }
echo "late-bus: org.fcreplay1 owned once $TMP/run/dbus and its bus appeared"

# The directory goes away with the bus and comes back with a new one.
stop_bus
wait_for "$TMP/daemon.log" "system bus went away" 5
rm -rf "$TMP/run"
sleep 0.2
mkdir -p "$TMP/run/dbus"
start_bus
wait_owned 5
"$CTL" status > /dev/null || fail "fcreplayctl status after the bus came back: exit $?"
! grep -q "cannot watch" "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "the daemon gave up on the bus"; }
stop_daemon
echo "late-bus: back on the bus after its directory was removed and made anew"
