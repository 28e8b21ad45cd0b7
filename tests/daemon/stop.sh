#!/bin/sh
# SIGTERM with replays pending logs each device's fate: the replay that has
# not begun writing is stopped (nothing written), the queued one is not
# replayed; both still need recovery, and the daemon does not wait for
# them.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty a
dirty b
adev=$(losetup -f --show "$TMP/a.img")
bdev=$(losetup -f --show "$TMP/b.img")
# One at a time, each held 20 s before it may write.
FCREPLAYD_TEST_HOLD_MS=20000 JOURNAL_LOG="$TMP/journal.log" \
        start_daemon "include = LABEL=$LABEL_PREFIX-a LABEL=$LABEL_PREFIX-b" "parallel = 1"
wait_for "$TMP/daemon.log" "replay started" 20
# The probe child answers for the second device right after the first;
# under a sanitizer build that can come after the stop, and a device still
# being probed at the stop has no fate line (a known gap).  The replay
# is held 20 s: 3 s more lets the probe answer.
sleep 3
start=$(date +%s)
stop_daemon
[ $(($(date +%s) - start)) -lt 10 ] || fail "the stop waited for a replay that had not begun writing"
for d in "$adev" "$bdev"; do
        grep -q "^<4>fcreplayd: $d: not replayed: fcreplayd \(stopped before the replay began writing; nothing written\|is stopping; it still needs recovery\)" \
                "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "no line saying what became of $d"; }
        grep "DEVICE=$d|" "$TMP/journal.log" | grep -q "RESULT=stopped" || fail "no RESULT=stopped entry for $d"
        needs_recovery "$d" || fail "$d was replayed"
done
grep -q "stopped before the replay began writing" "$TMP/daemon.log" || fail "no running replay was stopped"
grep -q "is stopping; it still needs recovery" "$TMP/daemon.log" || fail "no queued replay reported"
echo "stop: $adev and $bdev: $(grep -c 'not replayed' "$TMP/daemon.log") fates logged"
