# Shared by the lock tests (sourced after tests/daemon/lib.sh): another
# program holding a lock, and fcreplay finding the target busy.
HOLDER=""
trap '[ -z "$HOLDER" ] || kill "$HOLDER" 2> /dev/null; daemon_cleanup' EXIT

# hold PATH: another program holds PATH's lock until release.
hold() {
        rm -f "$TMP/held"
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
