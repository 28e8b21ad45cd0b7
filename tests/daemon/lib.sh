# Shared helpers for the fcreplayd tests (sourced after
# tests/integration/lib.sh).  The daemon only ever looks at devices whose
# label this test set, so it leaves the machine's disks and other tests'
# loop devices alone.
[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices"
have_loop || skip "no loop devices"
command -v python3 > /dev/null || skip "python3 is not installed"
FCREPLAYD="$top_builddir/fcreplayd"
FCTREE="$top_builddir/tests/tools/fcr-fctree"
LABEL_PREFIX="fcrd$$"
DAEMON_PID=""
LISTEN_PID=""
DAEMON_ARGS=""
DAEMON_WRAP=""
export FCREPLAYD_CMDLINE=/dev/null
# The daemon's markers for udev (daemon/hold.h), not the machine's
# /run/fcreplayd; "fcreplayd" as under systemd, so that the unit's %t is
# $TMP.
export FCREPLAYD_RUNTIME_DIR="$TMP/fcreplayd"
# What this boot mounts (daemon/boot_mounts.h): this test's fstab and mount
# units (none unless it writes some), not the machine's.
export FCREPLAYD_FSTAB="$TMP/fstab" FCREPLAYD_UNIT_PATH="$TMP/units"

daemon_cleanup() {
        [ -z "$DAEMON_PID" ] || { kill "$DAEMON_PID" 2> /dev/null; wait "$DAEMON_PID" 2> /dev/null; } || true
        [ -z "$LISTEN_PID" ] || kill "$LISTEN_PID" 2> /dev/null || true
        for f in "$TMP"/*.img; do
                [ -e "$f" ] || continue
                for m in $(losetup -j "$f" | cut -d: -f1); do
                        umount "$m" 2> /dev/null || true
                        losetup -d "$m" 2> /dev/null || true
                done
        done
        rm -rf "$TMP"
}
trap daemon_cleanup EXIT

# dirty NAME [FIXTURE]: $TMP/NAME.img, a dirty copy of a fixture labelled
# $LABEL_PREFIX-NAME.
dirty() {
        unpack "$FIXTURES/${2:-demo}" "$TMP/$1.img"
        python3 "$top_srcdir/tests/daemon/set-label.py" "$TMP/$1.img" "$LABEL_PREFIX-$1"
        needs_recovery "$TMP/$1.img" || fail "$1 should need recovery"
}

# start_daemon CONFIG_LINES: fcreplayd with a private config and a notify
# socket whose messages go to a fresh $TMP/notify.log.  Unless a line says
# watch =, the daemon watches only what include = names (this test's
# devices; the include lines are what it replays on its own); with
# JOURNAL_LOG set, its journal entries go to that file (with-journal.sh);
# $DAEMON_ARGS are more options, $DAEMON_WRAP a command that runs it
# (setpriv ...).
start_daemon() {
        [ -z "$LISTEN_PID" ] || { kill "$LISTEN_PID" 2> /dev/null; wait "$LISTEN_PID" 2> /dev/null; } || true
        # Each daemon its own log: an earlier run's READY=1 would let a
        # wait_for return before this daemon handles signals.
        rm -f "$TMP/notify.log"
        printf '%s\n' "$@" > "$TMP/fcreplayd.conf"
        grep -q '^watch' "$TMP/fcreplayd.conf" ||
                sed -n 's/^include *=/watch =/p' "$TMP/fcreplayd.conf" >> "$TMP/fcreplayd.conf"
        python3 "$top_srcdir/tests/daemon/notify-listen.py" "$TMP/notify.sock" "$TMP/notify.log" \
                ${ON_READY:+--on-ready "$ON_READY"} < /dev/null > /dev/null 2>&1 &
        LISTEN_PID=$!
        wait_for "$TMP/notify.log" "listening" 5
        set -- $DAEMON_WRAP "$FCREPLAYD" --config "$TMP/fcreplayd.conf" $DAEMON_ARGS
        [ -z "${JOURNAL_LOG:-}" ] || set -- sh "$top_srcdir/tests/daemon/with-journal.sh" "$JOURNAL_LOG" "$@"
        NOTIFY_SOCKET="$TMP/notify.sock" "$@" < /dev/null > /dev/null 2> "$TMP/daemon.log" &
        DAEMON_PID=$!
}

# wait_for FILE PATTERN SECONDS
wait_for() {
        i=0
        while ! grep -q -- "$2" "$1" 2> /dev/null; do
                i=$((i + 1))
                [ $i -le $(($3 * 20)) ] || { cat "$1" >&2 2> /dev/null; fail "'$2' did not appear in $(basename "$1") within $3 s"; }
                sleep 0.05
        done
}

stop_daemon() {
        kill -TERM "$DAEMON_PID"
        rc=0
        wait "$DAEMON_PID" || rc=$?
        DAEMON_PID=""
        [ $rc -eq 0 ] || { cat "$TMP/daemon.log" >&2; fail "fcreplayd exit $rc on SIGTERM"; }
}

# replayed_right DEV FIXTURE: recovery flag clear, e2fsck-clean, the
# fixture's expected tree.
replayed_right() {
        needs_recovery "$1" && fail "$1 still needs recovery"
        e2fsck -fn "$1" > "$TMP/fsck.out" 2>&1 || { cat "$TMP/fsck.out" >&2; fail "$1 not e2fsck-clean"; }
        "$FCTREE" "$1" > "$TMP/got.tree"
        diff -u "$FIXTURES/${2:-demo}/expected.tree" "$TMP/got.tree" >&2 || fail "$1: tree differs"
}

# done_marker DEV: where the daemon marks DEV dealt with: MAJ:MIN:DISKSEQ,
# a partition with its disk's sequence number, MAJ:MIN without one.
done_marker() {
        sys=/sys/class/block/$(basename "$1")
        seq=$(cat "$sys/diskseq" 2> /dev/null || cat "$sys/../diskseq" 2> /dev/null || true)
        echo "$FCREPLAYD_RUNTIME_DIR/done/$(cat "$sys/dev")${seq:+:$seq}"
}

# events DEV [FROM]: DEV's udev events in $TMP/monitor.log (udevadm monitor
# --udev --property), after its first FROM lines; one line each: ACTION
# held|free.
events() {
        tail -n +"$((${2:-0} + 1))" "$TMP/monitor.log" | awk -v dev="$1" 'BEGIN { RS = "" }
                $0 ~ "(^|\n)DEVNAME=" dev "(\n|$)" {
                        a = $0; sub(/^.*\nACTION=/, "", a); sub(/\n.*$/, "", a)
                        print a, ($0 ~ /(^|\n)FCREPLAY_HELD=1(\n|$)/ && $0 ~ /(^|\n)SYSTEMD_READY=0(\n|$)/ ? "held" : "free")
                }'
}
