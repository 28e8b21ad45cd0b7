#!/bin/sh
# At boot the bus socket exists before the bus answers (dbus.socket
# listens, dbus-daemon starts later), or refuses for a while.  fcreplayd
# must keep doing its work meanwhile (reload with its READY=1, a hotplugged
# dirty device replayed), never stall on the bus, and serve org.fcreplay1
# once the bus answers, with no client's help and no inotify event to
# wake it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
bus_at "$TMP/run/dbus/bus"
sed -e "s|<listen>unix:path=@SOCKET@</listen>|<listen>systemd:</listen>|" \
        -e "s|@POLICY@|$top_srcdir/dbus/org.fcreplay1.conf|" \
        "$top_srcdir/tests/dbus/bus.conf.in" > "$TMP/bus.conf"
grep -q '<listen>systemd:</listen>' "$TMP/bus.conf" || fail "bus.conf.in has no <listen> line to replace"

# slow_bus REFUSE SILENT: the bus as in slow-bus.py; its pid (dbus-daemon's
# in the end) in $TMP/bus.pid for lib.sh's cleanup.
slow_bus() {
        : > "$TMP/slow-bus.log"
        python3 "$top_srcdir/tests/dbus/slow-bus.py" "$BUS_SOCKET" "$TMP/bus.conf" --refuse "$1" --silent "$2" \
                > "$TMP/slow-bus.log" 2>&1 < /dev/null &
        echo $! > "$TMP/bus.pid"
}

# duties_meanwhile NAME: while the bus does not answer, a reload answers
# with READY=1 within a second, and a dirty device attached now is
# replayed within two.
duties_meanwhile() {
        n=$(grep -c "READY=1" "$TMP/notify.log")
        kill -HUP "$DAEMON_PID"
        i=0
        until [ "$(grep -c "READY=1" "$TMP/notify.log")" -gt "$n" ]; do
                i=$((i + 1))
                [ $i -le 20 ] || { cat "$TMP/daemon.log" >&2; fail "$1: no READY=1 within a second of SIGHUP (the event loop is stalled)"; }
                sleep 0.05
        done
        dirty "$1"
        dev=$(losetup -f --show "$TMP/$1.img")
        i=0
        while needs_recovery "$dev"; do
                i=$((i + 1))
                [ $i -le 40 ] || { cat "$TMP/daemon.log" >&2; fail "$1: $dev not replayed within two seconds (the event loop is stalled)"; }
                sleep 0.05
        done
        wait_for "$TMP/daemon.log" "$dev: replayed" 2
        replayed_right "$dev"
        grep -q "bus$" "$TMP/slow-bus.log" && fail "$1: the bus answered before the checks ended; the test proves nothing"
        echo "slow-bus: $1: reload and a replay of $dev while the bus did not answer"
}

mkdir -p "$TMP/run/dbus"
start_daemon "include = LABEL=$LABEL_PREFIX-s1 LABEL=$LABEL_PREFIX-s2"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "no system bus yet" "$TMP/daemon.log" || fail "the daemon did not say it waits for the bus"

# 1. The socket listens, nobody answers for 5 s: the daemon connects at
#    once (inotify) and must not wait for the answer.
slow_bus 0 5
wait_for "$TMP/slow-bus.log" "listening" 5
sleep 1
grep -q "cannot connect" "$TMP/daemon.log" && { cat "$TMP/daemon.log" >&2; fail "the daemon could not connect to a listening socket"; }
duties_meanwhile s1
wait_for "$TMP/slow-bus.log" "^bus$" 10
wait_owned 5
"$CTL" status > /dev/null || fail "fcreplayctl status after a silent bus: exit $?"
echo "slow-bus: org.fcreplay1 served once the silent bus answered"

# 2. The socket is there but refuses for 4 s (bound, not listening: no
#    inotify event when it starts listening), then answers.
logged=$(wc -l < "$TMP/daemon.log")
stop_bus
wait_for "$TMP/daemon.log" "system bus went away" 5
slow_bus 4 0
wait_for "$TMP/daemon.log" "cannot connect to the system bus at $BUS_SOCKET" 5
duties_meanwhile s2
wait_for "$TMP/slow-bus.log" "^bus$" 10
wait_owned 5
"$CTL" status > /dev/null || fail "fcreplayctl status after a refusing bus: exit $?"
n=$(tail -n +$((logged + 1)) "$TMP/daemon.log" | grep -c "cannot connect to the system bus" || true)
[ "$n" -eq 1 ] || { cat "$TMP/daemon.log" >&2; fail "the refusal was logged $n times, not once"; }
grep -q "serving org.fcreplay1" "$TMP/daemon.log" || fail "no 'serving' line"
stop_daemon
echo "slow-bus: org.fcreplay1 served once the refusing bus listened (retried by timer, logged once)"
