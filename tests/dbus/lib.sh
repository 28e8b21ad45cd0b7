# Shared helpers for the D-Bus tests (sourced after tests/daemon/lib.sh): a
# private system bus with the project's policy file.
command -v dbus-daemon > /dev/null || skip "dbus-daemon is not installed (Debian package dbus)"
command -v busctl > /dev/null || skip "busctl is not installed"
CTL="$top_builddir/fcreplayctl"
trap '[ ! -s "$TMP/bus.pid" ] || kill "$(cat "$TMP/bus.pid")" 2> /dev/null; daemon_cleanup' EXIT

# bus_at SOCKET: where the private bus listens, for fcreplayd, fcreplayctl
# and busctl ($BUS).
bus_at() {
        BUS_SOCKET=$1
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$1"
        BUS="busctl --address=$DBUS_SYSTEM_BUS_ADDRESS"
}
bus_at "$TMP/bus"

# start_bus: a private dbus-daemon at $BUS_SOCKET; its pid in $TMP/bus.pid.
start_bus() {
        sed -e "s|@SOCKET@|$BUS_SOCKET|" -e "s|@POLICY@|$top_srcdir/dbus/org.fcreplay1.conf|" \
                "$top_srcdir/tests/dbus/bus.conf.in" > "$TMP/bus.conf"
        dbus-daemon --config-file="$TMP/bus.conf" --fork --print-pid > "$TMP/bus.pid"
}

stop_bus() {
        kill "$(cat "$TMP/bus.pid")"
        rm -f "$TMP/bus.pid"
}

# wait_owned SECONDS: org.fcreplay1 owned on the bus, asked of the bus
# itself (not of fcreplayd, which nothing calls).
wait_owned() {
        i=0
        until $BUS call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s \
                org.fcreplay1 2> /dev/null | grep -q '^b true'; do
                i=$((i + 1))
                [ $i -le $(($1 * 20)) ] || { cat "$TMP"/daemon*.log >&2; fail "org.fcreplay1 not owned within $1 s"; }
                sleep 0.05
        done
}
