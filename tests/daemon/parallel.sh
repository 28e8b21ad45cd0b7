#!/bin/sh
# Two dirty devices are replayed at once; a replay that runs past its time
# limit before writing is stopped with nothing written.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty p1
dirty p2 fc-mixed-2k
d1=$(losetup -f --show "$TMP/p1.img")
d2=$(losetup -f --show "$TMP/p2.img")
# Each replay holds its plan 3 s before writing: in sequence the two take
# at least 6 s, together 3 s plus the replays themselves (which a loaded
# machine stretches: the margin is theirs).
export FCREPLAYD_TEST_HOLD_MS=3000
start=$(date +%s%N)
start_daemon "include = LABEL=$LABEL_PREFIX-p1 LABEL=$LABEL_PREFIX-p2" "parallel = 2" "timeout = 30"
wait_for "$TMP/notify.log" "READY=1" 20
ms=$(( ($(date +%s%N) - start) / 1000000 ))
replayed_right "$d1"
replayed_right "$d2" fc-mixed-2k
[ $ms -lt 5500 ] || fail "two replays took $ms ms: not in parallel (in sequence: 6000 ms or more)"
stop_daemon
echo "parallel: both devices replayed in $ms ms (each held 3000 ms)"

# Time limit before writing: stopped, nothing written.
dirty slow
d3=$(losetup -f --show "$TMP/slow.img")
sum=$(sha256sum < "$TMP/slow.img")
export FCREPLAYD_TEST_HOLD_MS=5000
rm -f "$TMP/notify.log"
start_daemon "include = LABEL=$LABEL_PREFIX-slow" "timeout = 1"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "$d3: no replay within 1 s; stopped before writing, nothing written" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "no time-limit report"; }
[ "$(sha256sum < "$TMP/slow.img")" = "$sum" ] || fail "the timed-out device was written"
stop_daemon
echo "parallel: a replay past its time limit was stopped with nothing written"
