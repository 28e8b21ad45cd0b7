#!/bin/sh
# READY=1 arrives only after the dirty device is replayed (flag clear, the
# right tree), STATUS lines were sent, STOPPING=1 on SIGTERM.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty a
dev=$(losetup -f --show "$TMP/a.img")
ON_READY="dumpe2fs -h $dev 2>/dev/null | grep -c needs_recovery; true"
start_daemon "include = LABEL=$LABEL_PREFIX-a"
# The listener logs READY=1 first and the device's state at that moment
# after it: wait for the latter, or a loaded machine reads it too early.
wait_for "$TMP/notify.log" "READY=1" 20
wait_for "$TMP/notify.log" "AT-READY" 10
grep -q "AT-READY 0|" "$TMP/notify.log" || fail "READY=1 came before $dev was replayed"
grep -q "STATUS=Replaying $dev" "$TMP/notify.log" || fail "no STATUS line about $dev"
grep -q "EXTEND_TIMEOUT_USEC=" "$TMP/notify.log" || fail "no EXTEND_TIMEOUT_USEC while replaying"
replayed_right "$dev"
grep -q "$dev: replayed" "$TMP/daemon.log" || fail "no log line for the replay"
stop_daemon
wait_for "$TMP/notify.log" "STOPPING=1" 2
echo "ready: READY=1 after $dev was replayed; STATUS and STOPPING seen"
