#!/bin/sh
# make bench, crafted journals (tests/crafted, full scale): for each, the
# wall time and peak RSS of fcreplay replay --dry-run, inspect, inspect
# --json and replay, then of fcreplayd's replay worker on a loop device
# (start to READY=1; the peak RSS of the daemon and the worker it
# reaped), and the outcome: replayed clean, or refused with the image
# unchanged.  Numbers, never a failure.  The daemon part needs root and
# loop devices (left out without them).  BENCH_DIR holds the sparse
# images (default /var/tmp); CRAFTED_KINDS chooses the kinds.  The
# figures of docs/limits.md come from here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$here/..}"
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
FCREPLAY="$top_builddir/fcreplay"
FCREPLAYD="$top_builddir/fcreplayd"
RSS="$top_builddir/tests/crafted/fcr-rss"
CRAFT="$top_builddir/tests/crafted/fcr-craft"
export FCREPLAY_PLUGIN_DIR=${FCREPLAY_PLUGIN_DIR:-$top_builddir/plugins} FCREPLAY_CONFIG=/dev/null
export FCREPLAYD_CMDLINE=/dev/null
[ -x "$RSS" ] && [ -x "$CRAFT" ] || { echo "bench: build the test tools first (make check TESTS=)"; exit 1; }
command -v mke2fs > /dev/null && command -v debugfs > /dev/null || { echo "bench: crafted: no mke2fs/debugfs"; exit 0; }
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/fcr-crafted.XXXXXX")
loop=""
cleanup() {
        [ -z "$loop" ] || losetup -d "$loop" 2> /dev/null || true
        rm -rf "$dir"
}
trap cleanup EXIT
daemon=no
[ "$(id -u)" -eq 0 ] && losetup -f > /dev/null 2>&1 && daemon=yes

# cli KIND IMG CMD...: one line of figures.
cli() {
        kind=$1 img=$2
        shift 2
        rc=0
        # shellcheck disable=SC2086
        "$RSS" "$dir/rss" 0 "$FCREPLAY" "$@" "$img" > /dev/null 2> "$dir/err" || rc=$?
        read -r kib secs < "$dir/rss"
        printf '   %-14s %-18s %8.2f s %8d KiB  exit %d\n' "$kind" "$*" "$secs" "$kib" "$rc"
}

# worker KIND IMG: fcreplayd replays the image as a loop device.
worker() {
        kind=$1
        cp --sparse=always "$2" "$dir/w.img"
        python3 "$top_srcdir/tests/daemon/set-label.py" "$dir/w.img" "fcrbc$$"
        loop=$(losetup -f --show "$dir/w.img")
        # A loop device just set up can read as empty for a moment.
        for _ in $(seq 50); do
                [ "$(blkid -p -s LABEL -o value "$loop" 2> /dev/null)" = "fcrbc$$" ] && break
                sleep 0.1
        done
        printf 'include = LABEL=fcrbc%s\ntimeout = 1200\n' "$$" > "$dir/fcreplayd.conf"
        # The daemon replays the devices there at start, then says READY=1
        # (to the tests' stand-in for systemd's socket); fcr-rss around
        # it reaps it, and with it what the worker peaked at.
        rm -f "$dir/notify.log"
        python3 "$top_srcdir/tests/daemon/notify-listen.py" "$dir/notify.sock" "$dir/notify.log" < /dev/null \
                > /dev/null 2>&1 &
        listener=$!
        while ! grep -q listening "$dir/notify.log" 2> /dev/null; do sleep 0.05; done
        t0=$(date +%s.%N)
        NOTIFY_SOCKET="$dir/notify.sock" "$RSS" "$dir/wrss" 0 "$FCREPLAYD" --config "$dir/fcreplayd.conf" \
                < /dev/null > /dev/null 2> "$dir/daemon.log" &
        rss_pid=$!
        while ! grep -q "READY=1" "$dir/notify.log"; do sleep 0.05; done
        t1=$(date +%s.%N)
        kill -TERM "$(cat "/proc/$rss_pid/task/$rss_pid/children")"
        wait "$rss_pid" || true
        kill "$listener"
        read -r kib _ < "$dir/wrss"
        printf '   %-14s %-18s %8.2f s %8d KiB\n' "$kind" "fcreplayd worker" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$kib"
        losetup -d "$loop"
        dev=$loop loop=""
        echo "   $kind: fcreplayd: $(grep -e "$dev:" "$dir/daemon.log" | grep -m1 -e "replayed in" -e "refused" \
                                     -e "failed" -e "time limit" | sed 's/^<[0-9]>fcreplayd: [^:]*: //; s/ (LABEL=.*//' |
                                     head -c 200)"
        rm -f "$dir/w.img"
}

echo "== crafted journals, full scale: time and peak RSS (fcreplay, fcreplayd's worker)"
kinds=${CRAFTED_KINDS:-$("$CRAFT" --list | cut -d' ' -f1)}
for kind in $kinds; do
        img="$dir/$kind.img"
        top_builddir=$top_builddir sh "$top_srcdir/tests/crafted/make-crafted.sh" "$kind" "$img" full 2> "$dir/make" ||
                { echo "   $kind: cannot make the image: $(tail -1 "$dir/make")"; continue; }
        echo "   $kind: $(grep -m1 '^fcr-craft:' "$dir/make" | cut -d' ' -f2- || true)"
        [ "$daemon" = no ] || KIND=$kind worker "$kind" "$img"
        before=$(sha256sum < "$img")
        cli "$kind" "$img" replay --dry-run
        cli "$kind" "$img" inspect
        cli "$kind" "$img" inspect --json
        cli "$kind" "$img" replay
        if [ "$rc" -eq 0 ]; then
                e2fsck -fn "$img" > /dev/null 2>&1 && echo "   $kind: replayed, e2fsck -fn clean" ||
                        echo "   $kind: replayed, e2fsck -fn NOT clean"
        elif [ "$(sha256sum < "$img")" = "$before" ]; then
                echo "   $kind: refused, unchanged: $(head -c 200 "$dir/err")"
        else
                echo "   $kind: exit $rc AND THE IMAGE CHANGED: $(head -c 200 "$dir/err")"
        fi
        rm -f "$img"
done
[ "$daemon" = yes ] || echo "   (fcreplayd's worker left out: needs root and loop devices)"
