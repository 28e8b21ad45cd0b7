#!/bin/bash
# make bench: what fcreplay and fcreplayd cost, against the kernel's own
# replay (mount + umount) and e2fsck, both sides measured in the same run.
# Reports numbers; it never fails on a slow machine.  Needs root and loop
# devices.  BENCH_DIR (default /var/tmp) holds the sparse images.  See
# docs/benchmarks.md for the method and today's figures.
#
# 1. the same log (200 fsync'd files) on 1 GiB, 1 TiB and 15 TiB sparse
#    filesystems (lazy init, fast_commit): wall time and peak RSS of each
#    replayer, side by side; a size the host cannot hold is skipped;
# 2. fast-commit areas of 16 to 2048 blocks filled with tags: replay time
#    against the number of tags;
#    (BENCH_REPLAY=0 leaves 1 and 2 out)
# 3. issue 20 on the host (boot-host.py): fcreplayd start to READY=1 with
#    no dirty device among BENCH_BACKGROUND (40) loop devices, cold and
#    warm; with 1, 16 and 32 dirty devices (BENCH_HOST_DIRTY) start to
#    READY=1 plus the mounts that follow against the kernel's replaying
#    mounts; peak RSS.  BENCH_HOST_RUNS (7) runs each; BENCH_HOST=0
#    leaves it out;
# 4. where the start goes (start-profile.py): the start taken apart in
#    steps, with CPU time and system calls (BENCH_PROFILE=0 leaves it out);
# 5. issue 20 at boot (tests/boot/boot-test.py --bench): the boot test's
#    guest, local-fs.target with fcreplayd enabled against masked, for a
#    clean boot and 1, 4 and 16 dirty disks (BENCH_BOOT_DISKS, 0 = clean),
#    BENCH_BOOT_RUNS (5) boots per side, interleaved: 40 boots by default,
#    2 to 2.5 minutes each under TCG, so 1.5 to 2 hours with the package
#    build.  BENCH_BOOT=0 leaves it out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$here/..}"
FCREPLAY="$top_builddir/fcreplay"
WORKLOAD="$top_builddir/tests/crashgen/fcr-workload"
export FCREPLAY_PLUGIN_DIR=${FCREPLAY_PLUGIN_DIR:-$top_builddir/plugins} FCREPLAY_CONFIG=/dev/null
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/fcr-bench.XXXXXX")
mnt="$dir/mnt"
mkdir "$mnt"
cleanup() {
        mountpoint -q "$mnt" && umount "$mnt"
        for f in "$dir"/*.img; do
                for l in $(losetup -j "$f" 2> /dev/null | cut -d: -f1); do losetup -d "$l"; done
        done
        rm -rf "$dir"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (loop devices, mount, dropping caches)"; exit 77; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time for peak RSS (Debian package time)"; exit 77; }
[ -x "$WORKLOAD" ] || { echo "bench: build $WORKLOAD first (make check TESTS=)"; exit 1; }

# run LABEL CMD...: wall seconds and peak RSS (KiB) of CMD, cold caches.
run() {
        sync
        echo 3 > /proc/sys/vm/drop_caches
        python3 - "$@" <<'EOF'
import subprocess, sys, tempfile, time
# GNU time reports the replayer's own peak RSS (a child forked from this
# interpreter would start with python's).
with tempfile.NamedTemporaryFile("r") as f:
    t = time.monotonic()
    rc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", f.name] + sys.argv[1:],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    dt = time.monotonic() - t
    rss = int(f.read().split()[-1])
# A replayer that fails still gets its time reported, with its exit status.
note = "" if rc in (0, 1) else "exit-%d" % rc
print("%.4f %d %s" % (dt, rss, note))
EOF
}

# kernel IMG: mount (the kernel replays) and umount, timed together.
kernel_replay() {
        local loop
        loop=$(losetup -f --show "$1")
        sync
        echo 3 > /proc/sys/vm/drop_caches
        python3 - "$loop" "$mnt" <<'EOF'
import subprocess, sys, time
t = time.monotonic()
# The kernel cannot always replay its own crash image (EUCLEAN): say so.
m = subprocess.run(["mount", sys.argv[1], sys.argv[2]], capture_output=True)
if m.returncode == 0:
    subprocess.run(["umount", sys.argv[2]], check=True)
print("%.4f - %s" % (time.monotonic() - t, "" if m.returncode == 0 else "mount-failed"))
EOF
        losetup -d "$loop"
}

# crash IMG SIZE MKFS_OPTS MOUNT_OPTS WORKLOAD_ARGS...: a crash image.
crash() {
        local img=$1 size=$2 mkfs_opts=$3 mount_opts=$4 loop
        shift 4
        truncate -s "$size" "$img"
        # shellcheck disable=SC2086
        mkfs.ext4 -q -F -O fast_commit -E lazy_itable_init=1,lazy_journal_init=1 $mkfs_opts "$img"
        loop=$(losetup -f --show "$img")
        mount ${mount_opts:+-o "$mount_opts"} "$loop" "$mnt"
        "$WORKLOAD" "$mnt" "$@" --shutdown > /dev/null
        umount "$mnt"
        losetup -d "$loop"
}

tags_of() {
        "$FCREPLAY" inspect --json "$1" | python3 -c '
import json, sys
fc = json.load(sys.stdin)["journal"]["fast_commit"]
print(fc.get("committed_tags", fc.get("nr_valid", 0)))'
}

echo "fcreplay benchmark: $(uname -r), $(nproc) CPUs, images in $dir, load $(cut -d' ' -f1-3 /proc/loadavg)"
# 1 and 2: what a replay costs.
replay_series() {
        echo
        # The size series: the same log (seed 7, 200 fsync'd files) on filesystems
        # of 1 GiB, 1 TiB and 15 TiB.  Replay should cost what the log touches, not
        # what the filesystem holds.
        echo "== size series: sparse filesystem, fast_commit (4096-block area), lazy init, 200 fsync'd files (--profile files --seed 7)"
        printf "   %-7s %6s %16s %10s %16s %10s %9s %9s  %s\n" "size" "tags" "fcreplay s (min)" "RSS KiB" "kernel s (min)" "e2fsck s" "RSS KiB" "k/fcr" "result"
        for size in 1G 1T 15T; do
                if ! truncate -s "$size" "$dir/base.img" 2> /dev/null; then
                        echo "   $size: skipped, the host filesystem of $dir cannot hold a sparse file that large"
                        rm -f "$dir/base.img"
                        continue
                fi
                # One fast-commit area size for all three (4096 blocks, mke2fs's
                # default from 1 TiB up): at 1 GiB the default (128 blocks) fills
                # up, and the full commit that follows empties the log.
                crash "$dir/base.img" "$size" "-J fast_commit_size=16384" "" --seed 7 --ops 200 --profile files
                tags=$(tags_of "$dir/base.img")
                declare -A secs=() mins=() rss=() notes=()
                for who in fcreplay e2fsck kernel; do
                        # Single cold runs on a shared machine vary by 2-3x: the
                        # median of BENCH_SIZE_RUNS (e2fsck, a minute at 15T: one).
                        n=${BENCH_SIZE_RUNS:-5}
                        [ "$who" = e2fsck ] && n=1
                        ts=()
                        for _ in $(seq "$n"); do
                                cp --sparse=always "$dir/base.img" "$dir/run.img"
                                case $who in
                                fcreplay) read -r t m note < <(run "$FCREPLAY" replay -q "$dir/run.img") ;;
                                e2fsck) read -r t m note < <(run e2fsck -fy -E journal_only "$dir/run.img") ;;
                                kernel) read -r t m note < <(kernel_replay "$dir/run.img") ;;
                                esac
                                ts+=("$t")
                        done
                        t=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(( (n + 1) / 2 ))p")
                        tmin=$(printf '%s\n' "${ts[@]}" | sort -n | head -1)
                        if [ -z "$note" ] && [ "$who" != e2fsck ]; then
                                e2fsck -fn "$dir/run.img" > /dev/null 2>&1 || note="NOT-e2fsck-clean"
                        fi
                        secs[$who]=$t mins[$who]=$tmin rss[$who]=$m notes[$who]=${note:+$who:$note}
                done
                printf "   %-7s %6s %16s %10s %16s %10s %9s %9s  %s\n" "$size" "$tags" "${secs[fcreplay]} (${mins[fcreplay]})" \
                        "${rss[fcreplay]}" "${secs[kernel]} (${mins[kernel]})" "${secs[e2fsck]}" "${rss[e2fsck]}" \
                        "$(python3 -c "print('%.1fx' % (${secs[kernel]} / ${secs[fcreplay]}))")" \
                        "${notes[fcreplay]} ${notes[kernel]} ${notes[e2fsck]}"
                rm -f "$dir/base.img" "$dir/run.img"
        done
        echo "   seconds: median (and minimum) of ${BENCH_SIZE_RUNS:-5} cold runs (e2fsck: one); k/fcr from the medians;"
        echo "   targets: fcreplay at 15T within 1.5x of 1G;"
        echo "   kernel/fcreplay at 15T at least 10x"

        echo
        echo "== replay time against tag count (4 KiB blocks, 1 GiB filesystem, commit=600)"
        printf "   %-10s %8s %12s %12s %12s %10s\n" "fc blocks" "tags" "fcreplay s" "e2fsck s" "kernel s" "us/tag"
        for fc in 16 64 256 1024 2048; do
                crash "$dir/fc.img" 1G "-J size=64,fast_commit_size=$((fc * 4))" commit=600 \
                        --seed "$fc" --ops $((fc * 4)) --profile data
                tags=$(tags_of "$dir/fc.img")
                cp --sparse=always "$dir/fc.img" "$dir/run.img"
                read -r tf _ nf < <(run "$FCREPLAY" replay -q "$dir/run.img")
                [ -z "$nf" ] && ! e2fsck -fn "$dir/run.img" > /dev/null 2>&1 && nf="not-clean"
                cp --sparse=always "$dir/fc.img" "$dir/run.img"
                read -r te _ ne < <(run e2fsck -fy -E journal_only "$dir/run.img")
                cp --sparse=always "$dir/fc.img" "$dir/run.img"
                read -r tk _ nk < <(kernel_replay "$dir/run.img")
                printf "   %-10s %8s %12s %12s %12s %10s %s\n" "$fc" "$tags" "$tf" "$te" "$tk" \
                        "$(python3 -c "print('%.1f' % ($tf * 1e6 / max($tags, 1)))")" "${nf:+fcreplay:$nf }${ne:+e2fsck:$ne }${nk:+kernel:$nk}"
                rm -f "$dir/fc.img" "$dir/run.img"
        done

}
[ "${BENCH_REPLAY:-1}" = 0 ] || replay_series

if [ "${BENCH_HOST:-1}" != 0 ]; then
        echo
        echo "== issue 20 on the host: fcreplayd's start, clean and dirty, against the kernel"
        rc=0
        top_srcdir="$here/.." top_builddir="$top_builddir" python3 "$here/boot-host.py" || rc=$?
        [ $rc -eq 0 ] || [ $rc -eq 77 ] || echo "   (the host series ended with status $rc)"
fi

if [ "${BENCH_PROFILE:-1}" != 0 ]; then
        echo
        echo "== where fcreplayd's start goes (strace, CPU time, LD_DEBUG=statistics)"
        rc=0
        top_srcdir="$here/.." top_builddir="$top_builddir" python3 "$here/start-profile.py" || rc=$?
        [ $rc -eq 0 ] || [ $rc -eq 77 ] || echo "   (the profile ended with status $rc)"
fi

if [ "${BENCH_BOOT:-1}" != 0 ]; then
        echo
        echo "== issue 20 at boot: local-fs.target, fcreplayd enabled against masked, clean and ${BENCH_BOOT_DISKS:-0,1,4,16} dirty disks"
        if command -v qemu-system-x86_64 > /dev/null && command -v mmdebstrap > /dev/null; then
                top_srcdir="$here/.." top_builddir="$top_builddir" FCR_BOOT_BENCH_RUNS="${BENCH_BOOT_RUNS:-5}" \
                        python3 "$here/../tests/boot/boot-test.py" --bench "${BENCH_BOOT_DISKS:-0,1,4,16}" |
                        grep -v '^boot-test \[\|^PASS: ' || true
        else
                echo "skipped: qemu-system-x86_64 or mmdebstrap is not installed"
        fi
fi
