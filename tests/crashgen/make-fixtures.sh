#!/bin/bash
# Regenerate the shipped fixtures (tests/fixtures/NAME/: crash.img.gz,
# expected.tree, meta.txt, workload.log) with the running kernel.  Needs
# root.  fc-lastblock-1k truncates a file whose last extent ends at the
# filesystem's last block (libext2fs before 1.47.3 cannot punch that);
# fc-bigalloc-punch frees more clusters than the inode's stale i_blocks;
# in fc-bigalloc-stale the log maps part of a logical cluster to a new
# physical cluster and never records that the rest was dropped.
# Seeds are fixed; a fixture whose kernel replay is not fsck-clean,
# or (for the wrap-* ones) whose log does not wrap, is reported.
#   top_builddir=. tests/crashgen/make-fixtures.sh [NAME...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${top_builddir:=$src}"
export top_builddir
FCREPLAY_PLUGIN_DIR=${FCREPLAY_PLUGIN_DIR:-$top_builddir/plugins}
export FCREPLAY_PLUGIN_DIR FCREPLAY_CONFIG=/dev/null

fixtures() {
cat <<'LIST'
demo            --profile mixed --ops 120 --seed 11 --size 32M
jbd2-1k         --block-size 1024 --size 16M --features ^fast_commit --profile jbd2 --ops 40 --seed 21 --journal-size 1
jbd2-4k-plain   --size 32M --features ^fast_commit,^metadata_csum,^64bit --profile jbd2 --ops 40 --seed 22
jbd2-4k-revoke  --size 32M --features ^fast_commit --profile jbd2 --ops 60 --seed 23
wrap-jbd2-1k    --block-size 1024 --size 16M --features ^fast_commit --profile jbd2 --ops 160 --seed 24 --journal-size 1
wrap-fc-1k      --block-size 1024 --size 16M --profile mixed --ops 500 --seed 25 --journal-size 1 --sync-every 4
fc-data-4k      --size 32M --profile data --ops 120 --seed 31
fc-ns-1k        --block-size 1024 --size 16M --journal-size 2 --profile ns --ops 300 --seed 32
fc-mixed-2k     --block-size 2048 --size 32M --profile mixed --ops 150 --seed 33
fc-inline       --size 32M --features inline_data --profile ns --ops 150 --seed 34
fc-bigalloc     --size 64M --features bigalloc --mkfs-opts "-C 16384" --profile data --ops 100 --seed 35
fc-bigalloc-punch --size 128M --features bigalloc --mkfs-opts -C16384 --profile data --ops 120 --seed 72075
fc-bigalloc-stale --size 128M --features bigalloc --mkfs-opts -C16384 --profile data --ops 120 --seed 90023
fc-plain        --size 32M --features ^metadata_csum,^64bit --profile mixed --ops 150 --seed 36
fc-reuse-1k     --block-size 1024 --size 16M --journal-size 2 --features inline_data --profile reuse --ops 200 --seed 4 --mount-opts commit=600
fc-lastblock-1k --block-size 1024 --size 16M --journal-size 2 --features inline_data --profile reuse --ops 200 --seed 64246 --mount-opts commit=600
orphan-list-4k  --size 32M --profile orphan --ops 60 --seed 46
orphan-list-1k  --block-size 1024 --size 16M --journal-size 2 --profile orphan --ops 60 --seed 50
orphan-file-4k  --size 32M --features orphan_file --profile orphan --ops 60 --seed 43
orphan-file-1k  --block-size 1024 --size 16M --journal-size 2 --features orphan_file --profile orphan --ops 60 --seed 44
LIST
}

wraps() {
        "$top_builddir/fcreplay" inspect --json "$1" |
                python3 -c 'import json,sys; d=json.load(sys.stdin); print(any(t.get("wraps") for t in d["journal"]["log"]["transactions"]))'
}

want=" $* "
fixtures | while read -r name args; do
        [ "$want" = "  " ] || [[ "$want" == *" $name "* ]] || continue
        out="$src/tests/fixtures/$name"
        rm -rf "$out.new"
        eval "\"$here/make-crash-image.sh\" \"$out.new\" $args" || [[ $name == wrap-* ]]
        # A wrapped log depends on where the crash falls: try the next
        # seeds until one wraps (the seed used is in meta.txt).
        seed=$(sed -n 's/.*--seed \([0-9]*\).*/\1/p' <<< "$args")
        tries=0
        while [[ $name == wrap-* ]] && { [ ! -f "$out.new/expected.tree" ] || [ "$(wraps "$out.new/crash.img")" != True ]; }; do
                tries=$((tries + 1))
                [ $tries -le 40 ] || { echo "make-fixtures: $name: no wrapped log in 40 seeds" >&2; exit 1; }
                seed=$((seed + 1))
                # (a kernel that cannot replay its own image: next seed too)
                eval "\"$here/make-crash-image.sh\" \"$out.new\" $(sed "s/--seed [0-9]*/--seed $seed/" <<< "$args")" \
                        > /dev/null 2>&1 || true
        done
        grep -q "fsck -fn exit: 0" "$out.new/meta.txt" || echo "make-fixtures: $name: the kernel's replay is not fsck-clean" >&2
        gzip -9n "$out.new/crash.img"
        rm -f "$out.new/kernel-fsck.txt"
        rm -rf "$out"
        mv "$out.new" "$out"
        echo "make-fixtures: $name: $(du -k "$out/crash.img.gz" | cut -f1) KiB"
done
