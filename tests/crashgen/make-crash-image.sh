#!/bin/bash
# make-crash-image.sh OUTDIR [options]: a real ext4 crash image made by the
# running kernel, and the tree the kernel itself replays from it.
#
#   --block-size N      (4096)        --size SIZE        (64M)
#   --features LIST     mkfs -O list  (fast_commit; e.g. ^metadata_csum,^64bit,inline_data)
#   --mkfs-opts "..."   more mkfs.ext4 options (e.g. "-C 16384")
#   --journal-size MB   (4)           --fc-size BLOCKS   (mke2fs default)
#   --profile P         data|ns|mixed|jbd2|reuse|files|orphan (mixed)
#   --ops N (150)   --seed N (1)   --sync-every K (0)   --mount-opts OPTS
#
# Writes OUTDIR/crash.img (needs recovery), OUTDIR/expected.tree (the
# kernel's replay, dumped by fcr-fctree), OUTDIR/live.tree (the mounted
# tree just before the power cut, every change in it made durable, in the
# same format), OUTDIR/workload.log and OUTDIR/meta.txt.  Needs root and loop devices: exits 77 without them.
# Exits 3, leaving crash.img, when the kernel fails to replay its own image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$here/../..}"
WORKLOAD="$top_builddir/tests/crashgen/fcr-workload"
FCTREE="$top_builddir/tests/tools/fcr-fctree"

out=${1:?usage: make-crash-image.sh OUTDIR [options]}
shift
bs=4096 size=64M features=fast_commit mkfs_opts="" jsize=4 fcsize="" profile=mixed ops=150 seed=1
sync_every=0 mount_opts=""
while [ $# -gt 0 ]; do
        case "$1" in
        --block-size) bs=$2 ;;
        --size) size=$2 ;;
        --features) features="fast_commit,$2" ;;
        --mkfs-opts) mkfs_opts=$2 ;;
        --journal-size) jsize=$2 ;;
        --fc-size) fcsize=$2 ;;
        --profile) profile=$2 ;;
        --ops) ops=$2 ;;
        --seed) seed=$2 ;;
        --sync-every) sync_every=$2 ;;
        --mount-opts) mount_opts=$2 ;;
        *) echo "make-crash-image: unknown option $1" >&2; exit 64 ;;
        esac
        shift 2
done
# "^fast_commit" in the list wins over the default.
case ",$features," in *,^fast_commit,*) features=${features#fast_commit,} ;; esac

[ "$(id -u)" -eq 0 ] || { echo "make-crash-image: needs root (loop devices, mount)" >&2; exit 77; }
[ -c /dev/loop-control ] && losetup -f > /dev/null 2>&1 || { echo "make-crash-image: no free loop device" >&2; exit 77; }
[ -x "$WORKLOAD" ] && [ -x "$FCTREE" ] || { echo "make-crash-image: build $WORKLOAD and $FCTREE first" >&2; exit 1; }

mkdir -p "$out"
work=$(mktemp -d)
mnt="$work/mnt"
loop=""
cleanup() {
        mountpoint -q "$mnt" 2> /dev/null && umount "$mnt"
        [ -n "$loop" ] && losetup -d "$loop" 2> /dev/null
        rm -rf "$work"
}
trap cleanup EXIT
mkdir "$mnt"

img="$out/crash.img"
rm -f "$img"
truncate -s "$size" "$img"
jopts="size=$jsize"
[ -n "$fcsize" ] && jopts="$jopts,fast_commit_size=$((fcsize * bs / 1024))"
# shellcheck disable=SC2086
mkfs.ext4 -q -F -b "$bs" -O "$features" -J "$jopts" -E lazy_itable_init=0,lazy_journal_init=0 $mkfs_opts "$img"
loop=$(losetup -f --show "$img")
mount ${mount_opts:+-o "$mount_opts"} "$loop" "$mnt"
"$WORKLOAD" "$mnt" --seed "$seed" --ops "$ops" --profile "$profile" --sync-every "$sync_every" \
        --live-tree "$out/live.tree" --shutdown > "$out/workload.log"
umount "$mnt"
losetup -d "$loop"
loop=""
dumpe2fs -h "$img" 2> /dev/null | grep -q '^Filesystem features:.*needs_recovery' ||
        { echo "make-crash-image: $img does not need recovery: the workload left nothing to replay" >&2; exit 1; }

# The kernel's own replay, on a copy.
cp --sparse=always "$img" "$work/kernel.img"
loop=$(losetup -f --show "$work/kernel.img")
if ! mount "$loop" "$mnt" 2> "$work/mount.err"; then
        # The kernel cannot always replay its own crash image (EUCLEAN).
        cat "$work/mount.err" >&2
        echo "kernel replay: mount failed: $(head -1 "$work/mount.err")" > "$out/meta.txt"
        echo "make-crash-image: the kernel cannot replay $img; no expected tree" >&2
        exit 3
fi
umount "$mnt"
losetup -d "$loop"
loop=""
"$FCTREE" "$work/kernel.img" > "$out/expected.tree"
fsck_rc=0
e2fsck -fn "$work/kernel.img" > "$out/kernel-fsck.txt" 2>&1 || fsck_rc=$?
{
        echo "made by: tests/crashgen/make-crash-image.sh --block-size $bs --size $size --features $features" \
             "--mkfs-opts '$mkfs_opts' --journal-size $jsize --fc-size '$fcsize' --profile $profile --ops $ops" \
             "--seed $seed --sync-every $sync_every --mount-opts '$mount_opts'"
        echo "kernel: $(uname -r)"
        echo "mkfs: $(mkfs.ext4 -V 2>&1 | head -1)"
        echo "kernel replay e2fsck -fn exit: $fsck_rc"
} > "$out/meta.txt"
echo "make-crash-image: $img ($(grep -c . "$out/workload.log") operations; kernel replay fsck exit $fsck_rc)"
