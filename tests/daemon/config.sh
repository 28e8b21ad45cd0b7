#!/bin/sh
# A bad configuration stops fcreplayd with an error naming the file and
# line; SIGHUP swaps the allocator for the next replay.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
printf 'allocator = kernel\nparalel = 2\n' > "$TMP/bad.conf"
rc=0
NOTIFY_SOCKET= "$FCREPLAYD" --config "$TMP/bad.conf" 2> "$TMP/err" || rc=$?
cat "$TMP/err"
[ $rc -eq 64 ] || fail "bad key: exit $rc, expected 64"
grep -q "bad.conf:2: unknown key 'paralel'" "$TMP/err" || fail "bad key: the message does not name file and line"
printf 'timeout = soon\n' > "$TMP/bad.conf"
rc=0
"$FCREPLAYD" --config "$TMP/bad.conf" 2> "$TMP/err" || rc=$?
[ $rc -eq 64 ] && grep -q "bad.conf:1: timeout must be" "$TMP/err" || fail "bad value: exit $rc: $(cat "$TMP/err")"
echo "config: bad key and bad value refused with file and line"

dirty one orphan-list-4k
dirty two fc-plain
start_daemon "include = LABEL=$LABEL_PREFIX-one LABEL=$LABEL_PREFIX-two" "allocator = kernel"
wait_for "$TMP/notify.log" "READY=1" 20
d1=$(losetup -f --show "$TMP/one.img")
# The result names the orphans released.
wait_for "$TMP/daemon.log" "$d1: replayed.*allocator kernel, [1-9][0-9]* orphan(s) released" 5
printf 'include = LABEL=%s-one LABEL=%s-two\nallocator = goal\n' "$LABEL_PREFIX" "$LABEL_PREFIX" > "$TMP/fcreplayd.conf"
kill -HUP "$DAEMON_PID"
wait_for "$TMP/daemon.log" "configuration reloaded.*allocator goal" 5
d2=$(losetup -f --show "$TMP/two.img")
wait_for "$TMP/daemon.log" "$d2: replayed.*allocator goal" 5
replayed_right "$d2" fc-plain
# A bad file on SIGHUP keeps the old settings.
echo "bogus" >> "$TMP/fcreplayd.conf"
kill -HUP "$DAEMON_PID"
wait_for "$TMP/daemon.log" "reload failed, keeping the old configuration" 5
stop_daemon
echo "config: SIGHUP swapped the allocator from kernel to goal"

# A file that vanished at SIGHUP keeps the old settings too.
start_daemon "include = LABEL=$LABEL_PREFIX-none" "allocator = goal"
wait_for "$TMP/notify.log" "READY=1" 20
rm "$TMP/fcreplayd.conf"
kill -HUP "$DAEMON_PID"
wait_for "$TMP/daemon.log" "reload failed, keeping the old configuration: cannot read $TMP/fcreplayd.conf" 5
! grep -q "configuration reloaded" "$TMP/daemon.log" || fail "a vanished file was taken for the defaults"
stop_daemon
echo "config: a file that vanished at SIGHUP keeps the old settings"
