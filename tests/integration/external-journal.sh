#!/bin/sh
# A filesystem with an external journal device: replayed with
# --journal-dev, and found by the journal's UUID among block devices;
# two devices with that UUID are refused.  Needs root and loop devices.
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices and mount"
have_loop || skip "no loop devices"
FCTREE="$top_builddir/tests/tools/fcr-fctree"
WORKLOAD="$top_builddir/tests/crashgen/fcr-workload"
attach() { losetup -f --show "$1"; }
# Every loop device backed by one of this test's images.
detach_all() {
        for f in "$TMP"/*.img; do
                for l in $(losetup -j "$f" | cut -d: -f1); do losetup -d "$l"; done
        done
}
trap 'mountpoint -q "$TMP/mnt" && umount "$TMP/mnt"; detach_all; rm -rf "$TMP"' EXIT
mkdir "$TMP/mnt"

truncate -s 32M "$TMP/fs.img"
truncate -s 8M "$TMP/j.img"
jdev=$(attach "$TMP/j.img")
fsdev=$(attach "$TMP/fs.img")
mke2fs -q -F -O journal_dev -b 4096 "$jdev"
mkfs.ext4 -q -F -b 4096 -J device="$jdev" "$fsdev"
mount -o journal_path="$jdev" "$fsdev" "$TMP/mnt"
"$WORKLOAD" "$TMP/mnt" --seed 7 --ops 80 --profile jbd2 --shutdown > /dev/null
umount "$TMP/mnt"
detach_all
needs_recovery "$TMP/fs.img" || fail "the filesystem should need recovery"

# The kernel's replay, on copies.
cp "$TMP/fs.img" "$TMP/kfs.img"; cp "$TMP/j.img" "$TMP/kj.img"
jdev=$(attach "$TMP/kj.img"); fsdev=$(attach "$TMP/kfs.img")
mount -o journal_path="$jdev" "$fsdev" "$TMP/mnt"
umount "$TMP/mnt"
detach_all
"$FCTREE" "$TMP/kfs.img" > "$TMP/expected.tree"

check() {
        needs_recovery "$1" && fail "$2: needs_recovery still set"
        e2fsck -fn -j "$3" "$1" > "$TMP/fsck.out" 2>&1 || { cat "$TMP/fsck.out" >&2; fail "$2: e2fsck -fn not clean"; }
        "$FCTREE" "$1" > "$TMP/got.tree"
        diff -u "$TMP/expected.tree" "$TMP/got.tree" >&2 || fail "$2: tree differs from the kernel's"
        echo "external-journal: $2: ok"
}

# 1. Images, --journal-dev.
cp "$TMP/fs.img" "$TMP/a.img"; cp "$TMP/j.img" "$TMP/aj.img"
"$FCREPLAY" replay -q --journal-dev "$TMP/aj.img" "$TMP/a.img" || fail "--journal-dev: exit $?"
check "$TMP/a.img" "--journal-dev" "$TMP/aj.img"

# 2. Found by UUID among block devices.
cp "$TMP/fs.img" "$TMP/b.img"; cp "$TMP/j.img" "$TMP/bj.img"
attach "$TMP/bj.img" > /dev/null
"$FCREPLAY" replay -q "$TMP/b.img" || fail "by UUID: exit $?"
detach_all
check "$TMP/b.img" "found by UUID" "$TMP/bj.img"

# 3. Two devices carry the UUID: refused, nothing written.
cp "$TMP/fs.img" "$TMP/c.img"; cp "$TMP/j.img" "$TMP/cj1.img"; cp "$TMP/j.img" "$TMP/cj2.img"
attach "$TMP/cj1.img" > /dev/null; attach "$TMP/cj2.img" > /dev/null
rc=0
"$FCREPLAY" replay "$TMP/c.img" 2> "$TMP/err" || rc=$?
detach_all
cat "$TMP/err"
[ $rc -ne 0 ] || fail "two journals with one UUID: replayed anyway"
grep -q "pass --journal-dev" "$TMP/err" || fail "two journals: the message does not say what to do"
cmp -s "$TMP/c.img" "$TMP/fs.img" && cmp -s "$TMP/cj1.img" "$TMP/j.img" && cmp -s "$TMP/cj2.img" "$TMP/j.img" ||
        fail "two journals: something was written"
echo "external-journal: ambiguous UUID refused, nothing written"

# 4. Another filesystem's journal (issue 23, 0.1): fs B's superblock names
# the external journal of fs A, whose user list holds A's UUID only.
# Replaying it would write A's transactions into B and empty A's journal:
# refused, neither image written, both named in the message.
truncate -s 32M "$TMP/other.img"; truncate -s 8M "$TMP/oj.img"
ojdev=$(attach "$TMP/oj.img")
mke2fs -q -F -O journal_dev -b 4096 "$ojdev"
mkfs.ext4 -q -F -b 4096 -J device="$ojdev" "$TMP/other.img"
detach_all
juuid=$(blkid -p -s UUID -o value "$TMP/j.img")
buuid=$(blkid -p -s UUID -o value "$TMP/other.img")
debugfs -w -R "ssv journal_uuid $juuid" "$TMP/other.img" 2> /dev/null
debugfs -w -R "feature needs_recovery" "$TMP/other.img" > /dev/null 2>&1
needs_recovery "$TMP/other.img" || fail "fs B should ask for recovery"
cp "$TMP/other.img" "$TMP/d.img"; cp "$TMP/j.img" "$TMP/dj.img"
expect 2 "is not among its users" "another filesystem's journal, --journal-dev" \
        -- replay --journal-dev "$TMP/dj.img" "$TMP/d.img"
grep -q "$buuid" "$TMP/err" && grep -q "$juuid" "$TMP/err" && grep -q "$TMP/dj.img" "$TMP/err" ||
        fail "another filesystem's journal: the message does not name both UUIDs and the journal"
cmp -s "$TMP/dj.img" "$TMP/j.img" || fail "another filesystem's journal: the journal was written"
# Found by UUID: the same.
attach "$TMP/dj.img" > /dev/null
expect 2 "is not among its users" "another filesystem's journal, found by UUID" -- replay "$TMP/d.img"
detach_all
cmp -s "$TMP/dj.img" "$TMP/j.img" || fail "another filesystem's journal (by UUID): the journal was written"
