#!/bin/sh
# replay-all.sh BUILDDIR IMAGES OUT: replay every IMAGES/*.img with each
# allocator, as built in BUILDDIR, and keep what check-foreign compares
# across platforms: OUT/NAME.ALLOC.{img,json,tree,fsck}.  Runs on the host
# and, unchanged, in each architecture's chroot (POSIX sh, Debian's
# e2fsprogs there).  E2FSPROGS_FAKE_TIME fixes the superblock's write time
# and dtimes, so that the images can be compared byte for byte.
set -eu
build=${1:?usage: replay-all.sh BUILDDIR IMAGES OUT}
images=${2:?usage: replay-all.sh BUILDDIR IMAGES OUT}
out=${3:?usage: replay-all.sh BUILDDIR IMAGES OUT}
export FCREPLAY_PLUGIN_DIR="$build/plugins" FCREPLAY_CONFIG=/dev/null E2FSPROGS_FAKE_TIME=1700000000
for p in fcreplay tests/tools/fcr-fctree; do
        [ -x "$build/$p" ] || { echo "replay-all: build $build/$p first" >&2; exit 1; }
done
mkdir -p "$out"
n=0
for img in "$images"/*.img; do
        name=$(basename "$img" .img)
        for alloc in kernel goal; do
                r="$out/$name.$alloc"
                cp --sparse=always "$img" "$r.img"
                rc=0
                "$build/fcreplay" replay --json --allocator "$alloc" "$r.img" > "$r.json" 2> "$r.err" || rc=$?
                echo "exit $rc" >> "$r.err"
                rc=0
                e2fsck -fn "$r.img" > "$r.fsck" 2>&1 || rc=$?
                # e2fsck's first line names the image: not compared.
                echo "e2fsck exit $rc" >> "$r.fsck"
                "$build/tests/tools/fcr-fctree" "$r.img" > "$r.tree" 2>&1 || echo "fcr-fctree exit $?" >> "$r.tree"
                n=$((n + 1))
        done
done
[ "$n" -gt 0 ] || { echo "replay-all: no images in $images" >&2; exit 1; }
echo "replay-all: $n replays in $out"
