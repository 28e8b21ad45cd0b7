#!/bin/sh
# fcreplayctl's admin commands: status gives the reason of a refusal under
# the device's row; info DEVICE shows one device (text and JSON) and an
# unknown one is an error; cancel JOB (by number) stops a replay that has
# not begun writing (nothing written, the device stays dirty), and a job
# that has ended cannot be cancelled; monitor prints the signals as they
# come (the job's State, its Completed, the device's State).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
dirty bad
dirty slow
# "bad" is refused: its journal superblock checksum fails.
bs=$(dumpe2fs -h "$TMP/bad.img" 2> /dev/null | sed -n 's/^Block size: *//p')
jblk=$(debugfs -R "bmap <8> 0" "$TMP/bad.img" 2> /dev/null)
printf '\001' | dd of="$TMP/bad.img" bs=1 seek=$((jblk * bs + 0x20)) conv=notrunc status=none
bad=$(losetup -f --show "$TMP/bad.img")
slow=$(losetup -f --show "$TMP/slow.img")
start_bus
# Every replay that gets as far as writing waits 20 s first: time to cancel.
FCREPLAYD_TEST_HOLD_MS=20000 start_daemon "include = LABEL=$LABEL_PREFIX-bad LABEL=$LABEL_PREFIX-slow" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

# 1. The refusal's reason in status.
rc=0
"$CTL" replay "$bad" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "replay of $bad: exit $rc, not 2 (refused)"
"$CTL" status > "$TMP/status.out" || fail "status: exit $?"
cat "$TMP/status.out"
reason=$("$CTL" --json list | python3 -c 'import json, sys
print([d["last_message"] for d in json.load(sys.stdin) if d["device"] == sys.argv[1]][0])' "$bad")
[ -n "$reason" ] || fail "no last_message for $bad"
grep -A1 "^$bad  *refused " "$TMP/status.out" | grep -qF "  refused: $reason" ||
        fail "status does not give the reason $bad was refused"

# 2. info.
"$CTL" info "$bad" > "$TMP/info.out" || fail "info $bad: exit $?"
cat "$TMP/info.out"
head -n 1 "$TMP/info.out" | grep -qx "$bad" || fail "info does not start with the device"
grep -q "^  state  *refused$" "$TMP/info.out" || fail "info: no state"
grep -q "^  label  *$LABEL_PREFIX-bad$" "$TMP/info.out" || fail "info: no label"
grep -qF "  last message   $reason" "$TMP/info.out" || fail "info: no last message"
[ "$("$CTL" --json info "$slow" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["device"], d["state"])')" = "$slow dirty" ] ||
        fail "info --json $slow"
rc=0
"$CTL" info /dev/fcreplay-no-such > /dev/null 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "knows no device" "$TMP/err" || fail "info of an unknown device: exit $rc: $(cat "$TMP/err")"

# 3. cancel, by the job's number, with monitor watching.
"$CTL" monitor > "$TMP/monitor.out" 2>&1 &
MON=$!
wait_for "$TMP/monitor.out" "^Monitoring fcreplayd" 5
sum=$(sha256sum < "$TMP/slow.img")
job=$("$CTL" replay --no-wait "$slow") || fail "replay --no-wait $slow: exit $?"
wait_for "$TMP/daemon.log" "$slow: replay started" 5
"$CTL" cancel "${job##*/}" > "$TMP/cancel.out" || fail "cancel ${job##*/}: exit $?"
grep -qx "$job: cancelled" "$TMP/cancel.out" || fail "cancel said: $(cat "$TMP/cancel.out")"
i=0
until [ "$($BUS get-property org.fcreplay1 "$job" org.fcreplay1.Job State)" = 's "cancelled"' ]; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "$job is not cancelled within 5 s"
        sleep 0.05
done
[ "$(sha256sum < "$TMP/slow.img")" = "$sum" ] || fail "the cancelled replay wrote"
"$CTL" info "$slow" | grep -q "^  state  *dirty$" || fail "$slow is not dirty after the cancel"
rc=0
"$CTL" cancel "$job" > /dev/null 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "has ended" "$TMP/err" || fail "cancel of an ended job: exit $rc: $(cat "$TMP/err")"
wait_for "$TMP/monitor.out" "^$job: Completed success=false result=cancelled message=cancelled before writing" 5
kill "$MON"
cat "$TMP/monitor.out"
grep -q "^$job: PropertiesChanged .*State=cancelled" "$TMP/monitor.out" || fail "monitor: no State=cancelled for $job"
grep -q "^/org/fcreplay1/device/$(basename "$slow"): PropertiesChanged State=replaying" "$TMP/monitor.out" ||
        fail "monitor: no State=replaying for $slow"
stop_daemon
echo "client: status gives the refusal's reason; info; cancel $job"
