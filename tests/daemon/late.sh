#!/bin/sh
# Devices that appear after READY=1: the daemon creates its auto marker,
# replays a dirty device once and marks it done (so is a refused one, with
# no second attempt on a later change event), and removes the marker when
# it stops.  Where udevd runs, with the project's rule (pointed at this
# build and this test's devices): each device is held back from systemd
# (FCREPLAY_HELD=1, SYSTEMD_READY=0) until the daemon releases it with a
# change event, with no replay loop; a device held when the daemon stops
# is released, and after a crash the unit's ExecStopPost= releases it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
RUN=$FCREPLAYD_RUNTIME_DIR
UNIT="$top_srcdir/systemd/fcreplayd.service.in"
RULE=/run/udev/rules.d/64-fcreplayd-test-$$.rules
MON_PID=""

udev=no
if command -v udevadm > /dev/null && udevadm control --ping 2> /dev/null; then
        udev=yes
        trap '[ -z "$MON_PID" ] || kill "$MON_PID"; rm -f "$RULE"; udevadm control --reload; daemon_cleanup' EXIT
        # The project's rule, for this test's loop devices only (not by
        # label: a replay brings back the superblock without it), running
        # the helper of this build with this test's runtime directory.  No
        # inotify watch on late.img: then only the daemon's change event
        # can release it.
        mkdir -p /run/udev/rules.d
        sed -e "s|@udevdir@/fcreplay-hold|/usr/bin/env FCREPLAYD_RUNTIME_DIR=$RUN $top_builddir/fcreplay-hold|" \
                -e "/^ACTION!=/i ATTR{loop/backing_file}!=\"$TMP/*\", GOTO=\"fcreplayd_end\"" \
                -e "/^ACTION!=/i ATTR{loop/backing_file}==\"$TMP/late.img\", OPTIONS+=\"nowatch\"" \
                "$top_srcdir/systemd/64-fcreplayd.rules.in" > "$RULE"
        udevadm control --reload
        udevadm monitor --udev --property --subsystem-match=block > "$TMP/monitor.log" 2>&1 &
        MON_PID=$!
        wait_for "$TMP/monitor.log" "^UDEV" 5
fi

# released DEV: DEV was held, and is not any more.
released() {
        udevadm settle -t 10
        events "$1" > "$TMP/events"
        grep -q held "$TMP/events" || { cat "$TMP/events" >&2; fail "$1 was not held back from systemd"; }
        tail -n 1 "$TMP/events" | grep -q free || { cat "$TMP/events" >&2; fail "$1 is still held"; }
        ! udevadm info -q property -n "$1" | grep -q -e '^FCREPLAY_HELD=1$' -e '^SYSTEMD_READY=0$' ||
                fail "$1 is still held in the udev database"
}

replays() { grep -c "$1: replay started" "$TMP/daemon.log" || true; }

dirty late
dirty bad
dirty excl
# "bad" is refused: its journal superblock checksum fails.
bs=$(dumpe2fs -h "$TMP/bad.img" 2> /dev/null | sed -n 's/^Block size: *//p')
jblk=$(debugfs -R "bmap <8> 0" "$TMP/bad.img" 2> /dev/null)
printf '\001' | dd of="$TMP/bad.img" bs=1 seek=$((jblk * bs + 0x20)) conv=notrunc status=none

start_daemon "include = LABEL=$LABEL_PREFIX-late LABEL=$LABEL_PREFIX-bad"
wait_for "$TMP/notify.log" "READY=1" 20
[ -e "$RUN/auto" ] || fail "no auto marker in $RUN while the daemon replays on its own"
dev=$(losetup -f --show "$TMP/late.img")
wait_for "$TMP/daemon.log" "$dev: replayed" 5
[ -e "$(done_marker "$dev")" ] || fail "no done marker $(done_marker "$dev") after the replay"
replayed_right "$dev"
bad=$(losetup -f --show "$TMP/bad.img")
wait_for "$TMP/daemon.log" "$bad: refused" 5
[ -e "$(done_marker "$bad")" ] || fail "no done marker after a refused replay"
# Another change event of the same incarnation starts nothing.
echo change > "/sys/class/block/$(basename "$bad")/uevent"
wait_for "$TMP/daemon.log" "$bad: skipped: dealt with already" 5
# Not in the configuration: left alone, and released all the same.
xdev=$(losetup -f --show "$TMP/excl.img")
wait_for "$TMP/daemon.log" "$xdev: skipped: excluded by the configuration" 5
if [ $udev = yes ]; then
        released "$dev"
        released "$bad"
        released "$xdev"
        grep -q "$dev: released to systemd" "$TMP/daemon.log" || fail "the daemon did not release $dev"
        # No loop: the events stop (other tests' devices may have some).
        n=$( (events "$dev"; events "$bad") | wc -l)
        sleep 2
        udevadm settle -t 10
        [ "$( (events "$dev"; events "$bad") | wc -l)" -eq "$n" ] || fail "udev events of $dev or $bad keep coming"
fi
[ "$(replays "$dev")" -eq 1 ] || fail "$dev replayed $(replays "$dev") times"
[ "$(replays "$bad")" -eq 1 ] || fail "the refused $bad tried $(replays "$bad") times"
needs_recovery "$bad" || fail "the refused device was written"
needs_recovery "$xdev" || fail "the excluded device was written"
stop_daemon
[ ! -e "$RUN/auto" ] || fail "the auto marker is left after the daemon stopped"
echo "late: $dev replayed once and marked done; refused $bad tried once; excluded $xdev left alone; udev holds: $udev"

# No automatic replay (as with fcreplay.mode=skip), no auto marker: udev
# holds nothing.
dirty off
start_daemon "include = LABEL=$LABEL_PREFIX-off" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
[ ! -e "$RUN/auto" ] || fail "an auto marker with auto_replay = no"
odev=$(losetup -f --show "$TMP/off.img")
wait_for "$TMP/daemon.log" "$odev: skipped: dirty, not replayed because of auto_replay=no" 5
if [ $udev = yes ]; then
        udevadm settle -t 10
        ! events "$odev" | grep -q held || fail "$odev held with automatic replay off"
fi
stop_daemon
needs_recovery "$odev" || fail "$odev replayed with automatic replay off"
[ $udev = yes ] || exit 0

# Stopping while a replay waits (before writing): the daemon releases it.
dirty slow
export FCREPLAYD_TEST_HOLD_MS=10000
start_daemon "include = LABEL=$LABEL_PREFIX-slow" "timeout = 60"
wait_for "$TMP/notify.log" "READY=1" 20
sdev=$(losetup -f --show "$TMP/slow.img")
wait_for "$TMP/daemon.log" "$sdev: replay started" 5
udevadm settle -t 10
events "$sdev" | tail -n 1 | grep -q held || fail "$sdev not held while its replay waits"
stop_daemon
released "$sdev"
needs_recovery "$sdev" || fail "$sdev was written"
echo "late: $sdev, held when the daemon stopped, released by it"

# A crash: nothing released, until the unit's ExecStopPost= commands.
dirty crash
start_daemon "include = LABEL=$LABEL_PREFIX-crash" "timeout = 60"
wait_for "$TMP/notify.log" "READY=1" 20
cdev=$(losetup -f --show "$TMP/crash.img")
wait_for "$TMP/daemon.log" "$cdev: replay started" 5
udevadm settle -t 10
# The replay process too, so that the device is free (no procps needed).
child=$(awk -v p="$DAEMON_PID" '$1 == "PPid:" && $2 == p { split(FILENAME, f, "/"); print f[3] }' \
        /proc/[0-9]*/status 2> /dev/null || true)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2> /dev/null || true
DAEMON_PID=""
[ -z "$child" ] || kill -KILL $child 2> /dev/null || true
udevadm settle -t 10
[ -e "$RUN/auto" ] && events "$cdev" | tail -n 1 | grep -q held || fail "$cdev not held after the crash"
sed -n 's/^ExecStopPost=[-+]*//p' "$UNIT" | sed "s|%t|$TMP|g" > "$TMP/stoppost"
[ -s "$TMP/stoppost" ] || fail "no ExecStopPost= in the unit"
while read -r cmd; do
        sh -c "$cmd" || fail "ExecStopPost=$cmd failed"
done < "$TMP/stoppost"
[ ! -e "$RUN/auto" ] || fail "ExecStopPost= left the auto marker"
released "$cdev"
echo "late: $cdev, held when the daemon was killed, released by ExecStopPost="
