#!/bin/sh
# Two dirty devices are replayed at once (their journal entries overlap);
# a replay that runs past its time limit before writing is stopped with
# nothing written.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty p1
dirty p2 fc-mixed-2k
d1=$(losetup -f --show "$TMP/p1.img")
d2=$(losetup -f --show "$TMP/p2.img")
# Each replay holds its plan 3 s before writing.  In parallel, each
# starts before the other has ended: judged from the daemon's journal
# entries (their arrival times), not from the wall time, which a loaded
# machine stretches.
export FCREPLAYD_TEST_HOLD_MS=3000
JOURNAL_LOG="$TMP/journal.log" start_daemon "include = LABEL=$LABEL_PREFIX-p1 LABEL=$LABEL_PREFIX-p2" "parallel = 2" \
        "timeout = 30"
wait_for "$TMP/notify.log" "READY=1" 40
replayed_right "$d1"
replayed_right "$d2" fc-mixed-2k
stop_daemon
# at DEV WHAT: when the entry "DEV: WHAT..." came, in microseconds.
at() {
        v=$(grep -F "|MESSAGE=$1: $2" "$TMP/journal.log" | head -1 | sed -n 's/^RECEIVED_USEC=\([0-9]*\)|.*/\1/p')
        [ -n "$v" ] || { cat "$TMP/journal.log" >&2; fail "no journal entry '$1: $2'"; }
        echo "$v"
}
s1=$(at "$d1" "replay started")
e1=$(at "$d1" "replayed in")
s2=$(at "$d2" "replay started")
e2=$(at "$d2" "replayed in")
[ "$s1" -lt "$e2" ] && [ "$s2" -lt "$e1" ] ||
        fail "the replays did not overlap: $d1 from $s1 to $e1, $d2 from $s2 to $e2 (microseconds)"
echo "parallel: both devices replayed at once: $d1 from $((s1 / 1000)) to $((e1 / 1000)) ms, $d2 from $((s2 / 1000)) to $((e2 / 1000)) ms"

# Time limit before writing: stopped, nothing written.
dirty slow
d3=$(losetup -f --show "$TMP/slow.img")
sum=$(sha256sum < "$TMP/slow.img")
export FCREPLAYD_TEST_HOLD_MS=5000
unset JOURNAL_LOG
start_daemon "include = LABEL=$LABEL_PREFIX-slow" "timeout = 1"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "$d3: no replay within 1 s; stopped before writing, nothing written" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "no time-limit report"; }
[ "$(sha256sum < "$TMP/slow.img")" = "$sum" ] || fail "the timed-out device was written"
stop_daemon
echo "parallel: a replay past its time limit was stopped with nothing written"
