#!/bin/sh
# fcreplay.mode=skip on the kernel command line: the daemon starts, sends
# READY=1 at once, replays nothing on its own and reports each dirty device
# (NOTICE, RESULT=skipped, the skip MESSAGE_ID, naming the command line and
# not auto_replay=); the device stays "dirty" in status, and a replay asked
# for over D-Bus still runs.  --check-config works under skip and with
# auto_replay=no.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
command -v unshare > /dev/null || skip "unshare is not installed (Debian package util-linux)"
# The D-Bus part only where there is a bus to run; the rest runs anyway.
if command -v dbus-daemon > /dev/null && command -v busctl > /dev/null; then
        . "$top_srcdir/tests/dbus/lib.sh"
else
        CTL=""
fi
echo "quiet fcreplay.mode=skip ro" > "$TMP/cmdline"

for cmdline in "$TMP/cmdline" /dev/null; do
        for conf in "" "auto_replay = no"; do
                echo "$conf" > "$TMP/check.conf"
                FCREPLAYD_CMDLINE=$cmdline "$FCREPLAYD" --check-config --config "$TMP/check.conf" > "$TMP/out" ||
                        fail "--check-config with cmdline $cmdline and '$conf': exit $?"
                grep -q "check.conf: ok" "$TMP/out" || fail "--check-config did not say ok"
        done
done
echo "skip-mode: --check-config works with fcreplay.mode=skip and with auto_replay=no"

dirty a
dev=$(losetup -f --show "$TMP/a.img")
sum=$(sha256sum < "$TMP/a.img")

# auto_replay=no in the configuration says so, not fcreplay.mode=skip.
start_daemon "include = LABEL=$LABEL_PREFIX-a" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "^<5>fcreplayd: $dev: skipped: dirty, not replayed because of auto_replay=no" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "auto_replay=no: no notice naming auto_replay=no"; }
stop_daemon

export FCREPLAYD_CMDLINE="$TMP/cmdline"
JOURNAL_LOG="$TMP/journal.log"
start_daemon "include = LABEL=$LABEL_PREFIX-a"
wait_for "$TMP/notify.log" "READY=1" 5
wait_for "$TMP/daemon.log" "$dev: skipped" 5
grep -q "^<5>fcreplayd: $dev: skipped: dirty, not replayed because of fcreplay.mode=skip" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "no notice naming fcreplay.mode=skip"; }
grep "DEVICE=$dev|" "$TMP/journal.log" | grep "RESULT=skipped" > "$TMP/entry" ||
        { cat "$TMP/journal.log" >&2; fail "no journal entry with RESULT=skipped for $dev"; }
for field in "PRIORITY=5" "MESSAGE_ID=5a0d3e21c47b4f0e9d61028e54a31002" "MESSAGE=$dev: skipped: dirty, not replayed because of fcreplay.mode=skip"; do
        grep -q "$field" "$TMP/entry" || { cat "$TMP/entry" >&2; fail "the journal entry has no $field"; }
done
sleep 0.5
[ "$(sha256sum < "$TMP/a.img")" = "$sum" ] || fail "$dev was written under fcreplay.mode=skip"
echo "skip-mode: READY=1, $dev untouched and reported at NOTICE with RESULT=skipped and the skip MESSAGE_ID"

if [ -n "$CTL" ]; then
        start_bus
        wait_owned 5
        "$CTL" status | grep -q "^$dev  *dirty " || fail "$dev is not dirty in status"
        "$CTL" replay "$dev" > "$TMP/ctl.out" || fail "fcreplayctl replay under fcreplay.mode=skip: exit $?"
        replayed_right "$dev"
        echo "skip-mode: $dev dirty in status; replayed when asked over D-Bus"
else
        echo "skip-mode: no dbus-daemon or busctl: the replay over D-Bus not tried"
fi
stop_daemon
