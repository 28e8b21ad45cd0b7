#!/bin/sh
# The lock protocol's whole-disk lock (udev's): with the lock of a
# partitioned loop device held, fcreplay on its partition is busy.
# Skipped (77) only where the loop device gets no partition (neither the
# kernel's scan nor partx).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/daemon/locks-lib.sh"

# 2c. The whole disk of a partition: udev's lock covers its partitions.
truncate -s 64M "$TMP/disk.img"
# One MBR partition (type 83) from sector 2048, written as sfdisk would.
python3 -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 100000))
    f.seek(510)
    f.write(b"\x55\xaa")' "$TMP/disk.img" || fail "cannot write the partition table"
disk=$(losetup -f --show -P "$TMP/disk.img")
i=0
while [ ! -b "${disk}p1" ] && [ $i -lt 40 ]; do i=$((i + 1)); sleep 0.05; done
# A kernel without the MBR parser (CONFIG_MSDOS_PARTITION): partx reads
# the table itself and adds the partition (BLKPG).
[ -b "${disk}p1" ] || ! command -v partx > /dev/null || partx -a "$disk" 2> /dev/null || true
i=0
while [ ! -b "${disk}p1" ] && [ $i -lt 40 ]; do i=$((i + 1)); sleep 0.05; done
if [ -b "${disk}p1" ]; then
        mkfs.ext4 -q "${disk}p1" || fail "mkfs.ext4 ${disk}p1"
        hold "$disk"
        expect_busy "whole disk $disk locked, dry run of ${disk}p1" "$TMP/disk.img" replay -n "${disk}p1"
        grep -q "lock of $disk" "$TMP/err" || fail "the message does not name the whole disk"
        release
        "$FCREPLAY" replay -n "${disk}p1" > /dev/null || fail "dry run of ${disk}p1 after release: exit $?"
else
        losetup -d "$disk"
        skip "${disk}p1 did not appear: neither losetup -P nor partx -a gave the loop device a partition"
fi
partx -d "$disk" 2> /dev/null || true
losetup -d "$disk"
echo "locks-partition: whole disk $disk locked: ${disk}p1 busy"
