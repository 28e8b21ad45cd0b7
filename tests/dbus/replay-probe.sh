#!/bin/sh
# ReplayDevice reads the device the caller names (the probe: libblkid and
# the superblock) in a child process, under the time limit, and answers
# when that is over: the main loop never blocks on it.  The device hangs
# for real (a loop device on a FUSE file whose reads go unanswered:
# tests/daemon/hang-lib.sh): while it hangs, the daemon answers status at
# once; past the limit, the call is answered with an error and the
# daemon goes on.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
. "$top_srcdir/tests/daemon/hang-lib.sh"
dirty p
hang_setup p
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-p" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

# 1. A slow probe: status is answered meanwhile, then the dry run.
hang
"$CTL" replay -n "$HDEV" > "$TMP/replay.out" 2>&1 &
REPLAY=$!
sleep 0.5
t0=$(date +%s%N)
timeout 2 "$CTL" status > "$TMP/status.out" || fail "status while $HDEV is probed: exit $?"
t1=$(date +%s%N)
kill -0 "$REPLAY" 2> /dev/null || fail "the ReplayDevice call was answered before its probe ended: $(cat "$TMP/replay.out")"
echo "replay-probe: status answered in $(((t1 - t0) / 1000000)) ms while $HDEV was probed"
unhang
rc=0
wait "$REPLAY" || rc=$?
[ $rc -eq 0 ] || fail "dry run of $HDEV: exit $rc: $(cat "$TMP/replay.out")"
grep -q "dry-run" "$TMP/replay.out" || fail "dry run of $HDEV: $(cat "$TMP/replay.out")"
stop_daemon

# 2. A probe past the time limit: the call is answered with an error at
# the limit, and the daemon carries on.
start_daemon "include = LABEL=$LABEL_PREFIX-p" "auto_replay = no" "timeout = 1"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5
hang
rc=0
t0=$(date +%s%N)
"$CTL" replay "$HDEV" > "$TMP/out" 2> "$TMP/err" || rc=$?
t1=$(date +%s%N)
[ $rc -eq 3 ] && grep -q "did not answer its probe within the time limit" "$TMP/err" ||
        fail "replay of a hung $HDEV: exit $rc: $(cat "$TMP/err")"
[ $(((t1 - t0) / 1000000)) -le 5000 ] ||
        fail "the hung probe was answered after $(((t1 - t0) / 1000000)) ms, not at its 1 s limit"
timeout 2 "$CTL" status > /dev/null || fail "status after a hung probe: exit $?"
unhang
needs_recovery "$TMP/p.img" || fail "$HDEV was written"
stop_daemon
echo "replay-probe: a hung probe is answered at its limit; the daemon answers meanwhile"
