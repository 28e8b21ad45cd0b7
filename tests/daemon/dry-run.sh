#!/bin/sh
# fcreplay replay --dry-run fails where the replay would: a mounted device,
# one held exclusively by another program, a read-only loop device, an
# image on a read-only mount and an immutable image.  Each run exits 3,
# says why, and writes nothing.  A dry run that can replay still passes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
HOLDER=""
trap '[ -z "$HOLDER" ] || kill "$HOLDER" 2> /dev/null || true; umount "$TMP/ro" 2> /dev/null || true; \
      chattr -i "$TMP/imm/a.img" 2> /dev/null || true; umount "$TMP/imm" 2> /dev/null || true; \
      daemon_cleanup' EXIT

# expect_refused WHAT PATTERN IMAGE TARGET: dry run of TARGET exits 3 with
# PATTERN on stderr; IMAGE unchanged.
expect_refused() {
        sum=$(sha256sum < "$3")
        rc=0
        "$FCREPLAY" replay --dry-run "$4" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq 3 ] && grep -q -- "$2" "$TMP/err" || fail "$1: exit $rc: $(cat "$TMP/out" "$TMP/err")"
        [ "$(sha256sum < "$3")" = "$sum" ] || fail "$1: the dry run wrote"
        echo "dry-run: $1: $(cat "$TMP/err")"
}

dirty a
"$FCREPLAY" replay --dry-run "$TMP/a.img" > /dev/null || fail "a dry run of a plain dirty image: exit $?"

# 1. Mounted.
truncate -s 32M "$TMP/m.img"
mkfs.ext4 -q "$TMP/m.img" || fail "mkfs.ext4"
mdev=$(losetup -f --show "$TMP/m.img")
mkdir "$TMP/mnt"
# Every case runs: one that cannot is a failure, unless the kernel lacks
# the facility altogether (then the whole test is skipped, saying which).
grep -qw ext4 /proc/filesystems || modprobe ext4 2> /dev/null || true
grep -qw ext4 /proc/filesystems || skip "this kernel cannot mount ext4 (no ext4 in /proc/filesystems)"
mount "$mdev" "$TMP/mnt" || fail "cannot mount $mdev (ext4 is supported): the mounted case cannot run"
expect_refused "mounted $mdev" "is mounted on" "$TMP/m.img" "$mdev"
umount "$TMP/mnt"

# 2. Held exclusively (O_EXCL) by another program.
dev=$(losetup -f --show "$TMP/a.img")
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL); print("held", flush=True); time.sleep(120)' "$dev" > "$TMP/held" &
HOLDER=$!
wait_for "$TMP/held" held 5
expect_refused "$dev held with O_EXCL" "in use by another program" "$TMP/a.img" "$dev"
kill "$HOLDER"; wait "$HOLDER" 2> /dev/null || true; HOLDER=""
"$FCREPLAY" replay --dry-run "$dev" > /dev/null || fail "dry run of $dev once released: exit $?"
losetup -d "$dev"

# 3. A read-only loop device.
rodev=$(losetup -r -f --show "$TMP/a.img")
expect_refused "read-only loop device $rodev" "read-only block device" "$TMP/a.img" "$rodev"
losetup -d "$rodev"

# 4. An image on a read-only mount.
mkdir "$TMP/ro"
mount -t tmpfs -o size=64M tmpfs "$TMP/ro" || skip "cannot mount a tmpfs"
cp --sparse=always "$TMP/a.img" "$TMP/ro/a.img"
mount -o remount,ro "$TMP/ro"
expect_refused "image on a read-only mount" "Read-only file system" "$TMP/ro/a.img" "$TMP/ro/a.img"
umount "$TMP/ro"

# 5. An immutable image, on an ext4 filesystem of our own (whatever $TMP
# is on, ext4 has the flag).
truncate -s 128M "$TMP/holder.img"
mkfs.ext4 -q "$TMP/holder.img" || fail "mkfs.ext4 of the holder"
mkdir "$TMP/imm"
mount -o loop "$TMP/holder.img" "$TMP/imm" || fail "cannot mount the holder: the immutable case cannot run"
cp --sparse=always "$TMP/a.img" "$TMP/imm/a.img"
chattr +i "$TMP/imm/a.img" || fail "chattr +i on ext4 failed: the immutable case cannot run"
expect_refused "immutable image" "not permitted" "$TMP/imm/a.img" "$TMP/imm/a.img"
chattr -i "$TMP/imm/a.img"
umount "$TMP/imm"
echo "dry-run: every case ran"
