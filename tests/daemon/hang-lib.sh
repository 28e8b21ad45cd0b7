# A block device that hangs, for the tests (sourced after tests/dbus/lib.sh
# or tests/daemon/lib.sh): hang_setup NAME puts a loop device ($HDEV) on
# a FUSE file (tests/daemon/hang-fuse.py) with $TMP/NAME.img's content;
# hang makes its reads go unanswered until unhang, or 10 s at most (the
# daemons of other tests look at every block device too: hung_still
# fails the test if that time ran out); reads counts the reads asked for
# so far.
[ -c /dev/fuse ] && grep -qw fuse /proc/filesystems || skip "no FUSE"
HDEV=""
FUSE_PID=""
HANG_EXTRA_CLEANUP=""          # files to remove, then directories (if empty)
hang_cleanup() {
        rm -f "$TMP/fuse-state/hang"
        for f in $HANG_EXTRA_CLEANUP; do
                rm -f "$f" 2> /dev/null || rmdir "$f" 2> /dev/null || true
        done
        [ -z "$DAEMON_PID" ] || { kill "$DAEMON_PID" 2> /dev/null; wait "$DAEMON_PID" 2> /dev/null; } || true
        DAEMON_PID=""
        [ -z "$HDEV" ] || losetup -d "$HDEV" 2> /dev/null || true
        [ -z "$FUSE_PID" ] || { kill "$FUSE_PID"; wait "$FUSE_PID"; } 2> /dev/null || true
        umount -l "$TMP/fuse" 2> /dev/null || true
        [ ! -s "$TMP/bus.pid" ] || kill "$(cat "$TMP/bus.pid")" 2> /dev/null
        daemon_cleanup
}
trap hang_cleanup EXIT

hang_setup() {
        mkdir -p "$TMP/fuse" "$TMP/fuse-state"
        python3 "$top_srcdir/tests/daemon/hang-fuse.py" "$TMP/fuse" "$TMP/$1.img" "$TMP/fuse-state" 10 \
                > "$TMP/fuse.out" 2>&1 &
        FUSE_PID=$!
        wait_for "$TMP/fuse.out" ready 5
        HDEV=$(losetup -f --show "$TMP/fuse/disk")
}

# Reads of $HDEV hang from now on (nothing of it cached).
hang() {
        blockdev --flushbufs "$HDEV"
        : > "$TMP/fuse-state/hang"
}
unhang() { rm -f "$TMP/fuse-state/hang" "$TMP/fuse-state/expired"; }
# hung_still WHAT: WHAT happened while $HDEV still hung, not because the
# hang ran out.
hung_still() {
        [ ! -e "$TMP/fuse-state/expired" ] || fail "$1 only once the hang of $HDEV ran out"
}
reads() { cat "$TMP/fuse-state/reads"; }
