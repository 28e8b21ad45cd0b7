#!/bin/sh
# Every shipped fixture, with both allocators: the replay clears the
# recovery flag, e2fsck -fn finds nothing, the tree is the kernel's own
# replay (expected.tree), a second run has nothing to do and changes no
# byte, and --dry-run and inspect write nothing.
. "$top_srcdir/tests/integration/lib.sh"
FCTREE="$top_builddir/tests/tools/fcr-fctree"
n=0 truncated=0
for fx in "$FIXTURES"/*/; do
        name=$(basename "$fx")
        [ -f "$fx/expected.tree" ] || fail "$name: no expected.tree"
        unpack "$fx" "$TMP/src.img"
        needs_recovery "$TMP/src.img" || fail "$name: the fixture does not need recovery"
        # Writing nothing: dry run and inspect.
        cp --sparse=always "$TMP/src.img" "$TMP/img"
        "$FCREPLAY" replay --dry-run "$TMP/img" > "$TMP/dry" || fail "$name: --dry-run exit $?"
        "$FCREPLAY" inspect --json "$TMP/img" > "$TMP/inspect.json" || fail "$name: inspect exit $?"
        python3 -m json.tool "$TMP/inspect.json" > /dev/null || fail "$name: inspect --json is not JSON"
        cmp -s "$TMP/src.img" "$TMP/img" || fail "$name: --dry-run or inspect changed the image"
        for alloc in kernel goal; do
                cp --sparse=always "$TMP/src.img" "$TMP/img"
                "$FCREPLAY" replay --allocator "$alloc" "$TMP/img" > "$TMP/out" || fail "$name/$alloc: replay exit $?"
                needs_recovery "$TMP/img" && fail "$name/$alloc: needs_recovery still set"
                fsck_clean "$TMP/img"
                # Orphans (files unlinked while open): released, the list
                # and the orphan file emptied, as the kernel's mount does.
                case $name in orphan-*)
                        grep -q "orphans: released [1-9]" "$TMP/out" || fail "$name/$alloc: no orphans released: $(cat "$TMP/out")"
                        grep -q "orphans: released .*, [1-9][0-9]* truncated to i_size" "$TMP/out" &&
                                truncated=$((truncated + 1))
                        dumpe2fs -h "$TMP/img" 2> /dev/null | grep -q "^First orphan inode" &&
                                fail "$name/$alloc: the orphan list is not empty"
                        dumpe2fs -h "$TMP/img" 2> /dev/null | grep -q "^Filesystem features:.*orphan_present" &&
                                fail "$name/$alloc: orphan_present still set"
                        # Every group's descriptor was loaded: the superblock's
                        # free counts are their sum, not stale ones moved.
                        grep -q "count wrong" "$TMP/fsck.out" &&
                                fail "$name/$alloc: the superblock's free counts are wrong: $(grep "count wrong" "$TMP/fsck.out")"
                esac
                "$FCTREE" "$TMP/img" > "$TMP/got.tree" || fail "$name/$alloc: fcr-fctree exit $?"
                diff -u "$fx/expected.tree" "$TMP/got.tree" >&2 ||
                        fail "$name/$alloc: the tree differs from the kernel's replay"
                cp "$TMP/img" "$TMP/once.img"
                "$FCREPLAY" replay --allocator "$alloc" "$TMP/img" > "$TMP/out2" || fail "$name/$alloc: second run exit $?"
                grep -q "nothing to do" "$TMP/out2" || fail "$name/$alloc: the second run did something: $(cat "$TMP/out2")"
                cmp -s "$TMP/once.img" "$TMP/img" || fail "$name/$alloc: the second run changed the image"
                n=$((n + 1))
        done
        echo "fixtures-replay: $name: ok ($(head -1 "$TMP/out"))"
done
[ "$n" -gt 0 ] || fail "no fixtures"
# A truncate in flight at the crash (a linked orphan) must be among them.
[ "$truncated" -gt 0 ] || fail "no orphan fixture has a truncated orphan"
echo "fixtures-replay: $n replays checked"
