#!/bin/sh
# Orphan cleanup on an image made by debugfs (no root needed): a
# truncate in flight (a linked file on the list with blocks past i_size)
# and a file unlinked while open (no links), chained through i_dtime, on
# a filesystem whose journal is already empty but whose recovery flag is
# set.  The replay truncates the one and deletes the other, empties the
# list, and leaves e2fsck -fn clean; --dry-run shows it and writes nothing.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
img="$TMP/img"
head -c 100000 /dev/urandom > "$TMP/data"
mkfs.ext4 -q -F -b 4096 -O ^fast_commit "$img" 16M
debugfs -w -R "write $TMP/data kept" "$img" > /dev/null 2>&1
debugfs -w -R "write $TMP/data gone" "$img" > /dev/null 2>&1
kept=$(debugfs -R "stat kept" "$img" 2> /dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
gone=$(debugfs -R "stat gone" "$img" 2> /dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
[ -n "$kept" ] && [ -n "$gone" ] || fail "debugfs did not make the files"
cat > "$TMP/cmds" <<CMDS
unlink gone
sif <$gone> links_count 0
sif <$gone> dtime $kept
sif <$kept> size 5000
ssv last_orphan $gone
feature needs_recovery
CMDS
debugfs -w -f "$TMP/cmds" "$img" > /dev/null 2>&1
needs_recovery "$img" || fail "the image does not need recovery"
dd if="$TMP/data" bs=1 skip=4096 count=904 status=none > "$TMP/want-head"
cp "$img" "$TMP/orig"

"$FCREPLAY" inspect "$img" > "$TMP/inspect" || fail "inspect exit $?"
grep -q "ino $gone (list): 0 links, size 100000: delete" "$TMP/inspect" || { cat "$TMP/inspect" >&2; fail "inspect does not show the unlinked orphan"; }
grep -q "ino $kept (list): 1 links, size 5000: truncate" "$TMP/inspect" || fail "inspect does not show the truncate"
"$FCREPLAY" replay --dry-run "$img" > "$TMP/dry" || fail "--dry-run exit $?"
grep -q "orphans: would release 2: 1 deleted, 1 truncated to i_size (23 blocks freed)" "$TMP/dry" ||
        { cat "$TMP/dry" >&2; fail "--dry-run does not show the orphans"; }
"$FCREPLAY" replay --dry-run --json "$img" |
        python3 -c 'import json,sys; o=json.load(sys.stdin)["orphans"]; assert [i["action"] for i in o["inodes"]] == ["delete", "truncate"], o' ||
        fail "--dry-run --json does not list the orphans"
cmp -s "$img" "$TMP/orig" || fail "--dry-run or inspect changed the image"

"$FCREPLAY" replay "$img" > "$TMP/out" || fail "replay exit $?"
needs_recovery "$img" && fail "needs_recovery still set"
fsck_clean "$img"
dumpe2fs -h "$img" 2> /dev/null | grep -q "^First orphan inode" && fail "the orphan list is not empty"
debugfs -R "testi <$gone>" "$img" 2> /dev/null | grep -q "is not in use" || fail "the unlinked orphan is still in use"
# 5000 bytes in 4 KiB blocks: 2 blocks, 16 sectors, and no dtime.
debugfs -R "stat kept" "$img" > "$TMP/stat" 2> /dev/null
grep -q "Size: 5000" "$TMP/stat" || fail "kept: size changed"
grep -q "Blockcount: 16$" "$TMP/stat" || { cat "$TMP/stat" >&2; fail "kept: not truncated to 2 blocks"; }
grep -q "dtime:" "$TMP/stat" && fail "kept: dtime still set"
# As ext4_truncate() does, the last block is zeroed past i_size (5000 is
# 904 bytes into block 1); the bytes before it are the file's.
last=$(debugfs -R "bmap kept 1" "$img" 2> /dev/null)
dd if="$img" bs=4096 skip="$last" count=1 status=none | tail -c +905 | tr -d '\000' | wc -c | grep -qx 0 ||
        fail "kept: its last block is not zeroed past i_size"
dd if="$img" bs=4096 skip="$last" count=1 status=none | head -c 904 | cmp -s - "$TMP/want-head" ||
        fail "kept: the bytes before i_size changed"
grep -q "ino $kept: block $last zeroed past i_size" "$TMP/dry" || fail "--dry-run does not show the zeroed block"
cp "$img" "$TMP/once"
"$FCREPLAY" replay "$img" > "$TMP/out2" || fail "second run exit $?"
cmp -s "$img" "$TMP/once" || fail "the second run changed the image"
echo "orphans: ok"
