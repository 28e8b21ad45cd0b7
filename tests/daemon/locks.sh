#!/bin/sh
# One lock protocol for fcreplay, fcreplayd and udev: flock(LOCK_EX) on
# the whole-disk device, on an image file, and on a loop device's backing
# file.  A held lock is "busy" (exit 3) and nothing is written.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
HOLDER=""
trap '[ -z "$HOLDER" ] || kill "$HOLDER" 2> /dev/null; daemon_cleanup' EXIT

# hold PATH: another program holds PATH's lock until release.
hold() {
        python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "rb"); fcntl.flock(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(120)' \
                "$1" > "$TMP/held" &
        HOLDER=$!
        wait_for "$TMP/held" locked 5
}
release() { kill "$HOLDER"; wait "$HOLDER" 2> /dev/null || true; HOLDER=""; rm -f "$TMP/held"; }

# expect_busy WHAT IMAGE ARGS...: fcreplay ARGS exits 3 saying busy, and
# IMAGE is unchanged.
expect_busy() {
        what=$1 img=$2
        shift 2
        sum=$(sha256sum < "$img")
        rc=0
        "$FCREPLAY" "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq 3 ] && grep -q "is busy" "$TMP/err" || fail "$what: exit $rc: $(cat "$TMP/err")"
        [ "$(sha256sum < "$img")" = "$sum" ] || fail "$what: the image changed"
        echo "locks: $what: $(cat "$TMP/err")"
}

# 1. An image file whose lock another program holds.
dirty a
hold "$TMP/a.img"
expect_busy "image file locked" "$TMP/a.img" replay "$TMP/a.img"
release

# 2. A loop device whose backing file is locked; and the loop device itself.
dev=$(losetup -f --show "$TMP/a.img")
hold "$TMP/a.img"
expect_busy "backing file of $dev locked" "$TMP/a.img" replay "$dev"
grep -q "lock of $TMP/a.img" "$TMP/err" || fail "the message does not name the backing file"
release
hold "$dev"
expect_busy "$dev locked" "$TMP/a.img" replay "$dev"
release

# 3. The daemon replaying the loop device, fcreplay on its backing file:
# only one of them writes.
export FCREPLAYD_TEST_HOLD_MS=3000
start_daemon "include = LABEL=$LABEL_PREFIX-a"
wait_for "$TMP/daemon.log" "$dev: replay started" 10
sleep 0.5
expect_busy "backing file of $dev, while fcreplayd replays $dev" "$TMP/a.img" replay "$TMP/a.img"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "$dev: replayed" "$TMP/daemon.log" || fail "the daemon did not replay $dev: $(cat "$TMP/daemon.log")"
stop_daemon
replayed_right "$dev"
echo "locks: fcreplayd held $dev and its backing file; fcreplay stayed out"
