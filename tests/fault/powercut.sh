#!/bin/sh
# Power cut at any write: for every fixture and both allocators, replay
# through an I/O layer that drops every write after the Nth, then replay
# again normally.  The result must be the uninterrupted replay's tree and
# e2fsck-clean.  make check takes a sample of N; FCR_POWERCUT_ALL=1 (make
# powercut-sweep, run by CI) takes every N from 1 to the total.
. "$top_srcdir/tests/integration/lib.sh"
CUT="$top_builddir/tests/fault/fcr-cutreplay"
FCTREE="$top_builddir/tests/tools/fcr-fctree"
[ -x "$FCTREE" ] || fail "$FCTREE is not built"
sample=${FCR_POWERCUT_SAMPLE:-6}
points=0

# pick TOTAL: the cut points to try.
pick() {
        if [ "${FCR_POWERCUT_ALL:-0}" = 1 ] || [ "$1" -le "$sample" ]; then
                seq 1 "$1"
        else
                # the first and last writes, and evenly spaced ones between
                awk -v t="$1" -v s="$sample" 'BEGIN { for (i = 0; i < s; i++) print 1 + int(i * (t - 1) / (s - 1)) }' | uniq
        fi
}

for fx in "$FIXTURES"/*/; do
        name=$(basename "$fx")
        unpack "$fx" "$TMP/src.img"
        for alloc in kernel goal; do
                cp --sparse=always "$TMP/src.img" "$TMP/ref.img"
                "$FCREPLAY" replay -q --allocator "$alloc" "$TMP/ref.img" || fail "$name/$alloc: uninterrupted replay failed"
                "$FCTREE" "$TMP/ref.img" > "$TMP/ref.tree" || fail "$name/$alloc: fcr-fctree on the reference"
                cp --sparse=always "$TMP/src.img" "$TMP/cut.img"
                total=$("$CUT" --allocator "$alloc" --count "$TMP/cut.img") || fail "$name/$alloc: counting writes"
                [ "$total" -gt 0 ] || fail "$name/$alloc: a replay that writes nothing"
                for n in $(pick "$total"); do
                        cp --sparse=always "$TMP/src.img" "$TMP/cut.img"
                        "$CUT" --allocator "$alloc" --cut "$n" "$TMP/cut.img" 2>/dev/null ||
                                fail "$name/$alloc: the cut replay at write $n failed to run"
                        "$FCREPLAY" replay -q --allocator "$alloc" "$TMP/cut.img" ||
                                fail "$name/$alloc: replay after a cut at write $n/$total"
                        e2fsck -fn "$TMP/cut.img" > "$TMP/fsck.out" 2>&1 ||
                                { cat "$TMP/fsck.out" >&2; fail "$name/$alloc: not clean after a cut at write $n/$total"; }
                        "$FCTREE" "$TMP/cut.img" > "$TMP/cut.tree" || fail "$name/$alloc: fcr-fctree after a cut at $n"
                        diff -u "$TMP/ref.tree" "$TMP/cut.tree" >&2 ||
                                fail "$name/$alloc: tree after a cut at write $n/$total differs from an uninterrupted replay"
                        points=$((points + 1))
                done
                echo "powercut: $name/$alloc: $total writes, cut points checked: $(pick "$total" | wc -l)"
        done
done
echo "powercut: $points cut points, all replayed to the uninterrupted result"
