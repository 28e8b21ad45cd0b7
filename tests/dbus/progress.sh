#!/bin/sh
# A job's progress has one model: Phase "planning" (nothing written, no
# count, Progress 0), then "writing" BlocksDone of BlocksTotal filesystem
# blocks, then "done".  It used to sit at 45/45 tags, Progress 1, "running"
# while the plan was built and waited on.  Without a terminal fcreplayctl
# prints throttled lines, none twice (it used to print the same one every
# 200 ms).  STATUS= says the phase too.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
dirty slow
# The blocks a replay writes home: the jbd2 plan's and the fast-commit result's.
total=$("$FCREPLAY" --json replay --dry-run "$TMP/slow.img" |
        python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["blocks_written"] + r["fast_commit"]["blocks_written"])')
slow=$(losetup -f --show "$TMP/slow.img")
start_bus
# The finished plan waits 3 s before writing: a long planning phase.
FCREPLAYD_TEST_HOLD_MS=3000 start_daemon "include = LABEL=$LABEL_PREFIX-slow" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

"$CTL" monitor > "$TMP/monitor.out" 2>&1 &
MON=$!
wait_for "$TMP/monitor.out" "^Monitoring fcreplayd" 5
"$CTL" replay "$slow" > "$TMP/ctl.out" 2>&1 &
CTL_PID=$!
wait_for "$TMP/daemon.log" "$slow: replay started" 5
sleep 1
job=$($BUS tree --list org.fcreplay1 | grep '^/org/fcreplay1/job/' | tail -n 1)
prop() { $BUS get-property org.fcreplay1 "$job" org.fcreplay1.Job "$1"; }
[ "$(prop Phase)" = 's "planning"' ] || fail "Phase while planning: $(prop Phase)"
[ "$(prop Progress)" = 'd 0' ] || fail "Progress while planning: $(prop Progress)"
[ "$(prop BlocksTotal)" = 't 0' ] || fail "BlocksTotal while planning: $(prop BlocksTotal)"
echo "progress: planning, Progress 0, no count"
wait $CTL_PID || fail "fcreplayctl replay: exit $?"
cat "$TMP/ctl.out"
replayed_right "$slow"
[ "$(prop Phase)" = 's "done"' ] || fail "Phase at the end: $(prop Phase)"
[ "$(prop BlocksTotal)" = "t $total" ] || fail "BlocksTotal: $(prop BlocksTotal), not $total"
[ "$(prop BlocksDone)" = "t $total" ] || fail "BlocksDone: $(prop BlocksDone), not $total"
[ "$(prop Progress)" = 'd 1' ] || fail "Progress at the end: $(prop Progress)"

# The lines: planning once (for 3 s of it), then blocks; none twice.
grep -v "replayed:" "$TMP/ctl.out" > "$TMP/progress" || true
[ "$(grep -cx "$slow: planning" "$TMP/progress")" -eq 1 ] || fail "not one 'planning' line"
[ -z "$(sort "$TMP/progress" | uniq -d)" ] || fail "a progress line printed twice"
grep -vx "$slow: planning" "$TMP/progress" | grep -vx "$slow: writing  *[0-9]*% [0-9]*/$total blocks" &&
        fail "a progress line in another unit or form"
grep -qx "$slow: replayed: .*" "$TMP/ctl.out" || fail "no result line"
echo "progress: fcreplayctl without a terminal: planning once, then blocks"

# The signals: writing starts with its total; nothing full while planning.
kill $MON
cat "$TMP/monitor.out"
grep "^$job: PropertiesChanged" "$TMP/monitor.out" > "$TMP/sig" || fail "no job signals"
grep -q "Phase=writing .*BlocksTotal=$total " "$TMP/sig" || fail "no signal of the writing phase with its total"
! grep "Phase=planning" "$TMP/sig" | grep -qv " Progress=0\.0 " || fail "a planning signal with progress"
grep -q "Phase=done Progress=1\.0 BlocksDone=$total BlocksTotal=$total " "$TMP/sig" || fail "no signal of the end"
# STATUS=: the phase, and blocks while writing.
grep -q "STATUS=Replaying $slow: planning" "$TMP/notify.log" || fail "no STATUS= for planning"
grep -q "STATUS=Replaying $slow: writing [0-9]*/$total blocks" "$TMP/notify.log" || fail "no STATUS= for writing"
stop_daemon
echo "progress: signals and STATUS= follow the phases"
