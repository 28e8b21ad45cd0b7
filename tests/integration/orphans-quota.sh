#!/bin/sh
# With quota, deleting an orphan changes the owner's usage, and fcreplay
# does not write quota files: the orphans are left for the kernel's mount
# (its orphan cleanup runs with quotas on), the rest of the replay is done
# and the report says so.  Before, the orphan was deleted and e2fsck -fn
# found the quota usage of its owner inconsistent.  Then e2fsck (as the
# kernel's mount would) releases it, quota included.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
img="$TMP/img"
head -c 200000 /dev/urandom > "$TMP/data"
mkfs.ext4 -q -F -b 4096 -O quota,^fast_commit,^orphan_file "$img" 16M 2> /dev/null
dumpe2fs -h "$img" 2> /dev/null | grep -q "^Filesystem features:.*quota" || skip "mke2fs made no quota"
debugfs -w -R "write $TMP/data gone" "$img" > /dev/null 2>&1
debugfs -w -R "sif gone uid 1000" "$img" > /dev/null 2>&1
# The quota files count the file for user 1000.
e2fsck -fy "$img" > /dev/null 2>&1 || [ $? -le 1 ] || fail "e2fsck -fy could not fix the quota"
fsck_clean "$img"
ino=$(debugfs -R "stat gone" "$img" 2> /dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
[ -n "$ino" ] || fail "no file"
debugfs -w -f - "$img" > /dev/null 2>&1 <<CMDS
unlink gone
sif <$ino> links_count 0
sif <$ino> dtime 0
ssv last_orphan $ino
feature needs_recovery
CMDS
needs_recovery "$img" || fail "the image does not need recovery"

"$FCREPLAY" replay --dry-run "$img" > "$TMP/dry" || fail "--dry-run exit $?"
grep -q "orphans: left alone: orphans left for the kernel's mount: fcreplay does not update quota files" "$TMP/dry" ||
        { cat "$TMP/dry" >&2; fail "--dry-run does not say the orphans are left for the kernel"; }
"$FCREPLAY" replay --json "$img" > "$TMP/out.json" || fail "replay exit $?"
python3 - "$TMP/out.json" <<'PY' || fail "the JSON report does not say the orphans are left"
import json, sys
o = json.load(open(sys.argv[1]))["orphans"]
assert "quota" in o["left_alone_because"] and o["released"] is False, o
PY
needs_recovery "$img" && fail "needs_recovery still set"
dumpe2fs -h "$img" 2> /dev/null | grep -q "^First orphan inode: *$ino" || fail "the orphan list was changed"
debugfs -R "testi <$ino>" "$img" 2> /dev/null | grep -q "is not in use" && fail "the orphan was deleted"
# What the kernel's mount would do (this test's kernel may lack quota
# support): e2fsck releases it, quota included; then it is clean.
e2fsck -fy "$img" > "$TMP/fsck-fix" 2>&1 || [ $? -le 1 ] || { cat "$TMP/fsck-fix" >&2; fail "e2fsck -fy failed"; }
grep -q "Clearing orphaned inode $ino" "$TMP/fsck-fix" || { cat "$TMP/fsck-fix" >&2; fail "e2fsck did not find the orphan"; }
debugfs -R "testi <$ino>" "$img" 2> /dev/null | grep -q "is not in use" || fail "e2fsck did not delete the orphan"
fsck_clean "$img"
echo "orphans-quota: ok"
