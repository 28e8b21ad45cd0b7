#!/bin/sh
# The device probed is the device written (issue 23, section 4).  A probe
# (blkid's UUID, the loop device's number and sysfs diskseq, as
# fcreplayd and the initramfs script see a device), then the loop device
# is detached and attached to another image before the replay: with
# --expect-* the replay is refused (exit 3) and nothing is written, even
# when the new image is a copy with the same UUID.  The device as probed
# replays.  Needs root and loop devices.
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices"
have_loop || skip "no loop devices"
detach_all() {
        for f in "$TMP"/*.img; do
                for l in $(losetup -j "$f" | cut -d: -f1); do losetup -d "$l"; done
        done
}
trap 'detach_all; rm -rf "$TMP"' EXIT

unpack "$FIXTURES/demo" "$TMP/a.img"
cp --sparse=always "$TMP/a.img" "$TMP/same-uuid.img"
truncate -s 32M "$TMP/other.img"
mkfs.ext4 -q -F -b 4096 "$TMP/other.img"

# probe IMAGE: attach it; sets loop, devno, diskseq, uuid.
probe() {
        loop=$(losetup -f --show "$1")
        name=${loop#/dev/}
        devno=$(cat "/sys/block/$name/dev")
        diskseq=$(cat "/sys/block/$name/diskseq" 2> /dev/null || echo "")
        uuid=$(blkid -p -s UUID -o value "$loop")
}

# repoint IMAGE: the probed loop device, detached, then attached to IMAGE.
# Another test may take the number in between: then probe again.
repoint() {
        for _try in 1 2 3 4 5; do
                losetup -d "$loop"
                if losetup "$loop" "$1" 2> /dev/null; then
                        return 0
                fi
                probe "$TMP/a.img"
        done
        fail "could not attach $1 to the probed loop device"
}

# 1. A copy with the same UUID behind the same loop device: only the disk
# sequence number tells it from the one probed.
probe "$TMP/a.img"
[ -n "$diskseq" ] || skip "this kernel has no disk sequence numbers (Linux < 5.15)"
repoint "$TMP/same-uuid.img"
before=$(sum "$TMP/same-uuid.img")
expect 3 "holds another disk than the one probed" "same UUID, new backing file" \
        -- replay --expect-uuid "$uuid" --expect-devno "$devno" --expect-diskseq "$diskseq" "$loop"
grep -q "nothing written" "$TMP/err" || fail "the message does not say that nothing was written"
losetup -d "$loop"
[ "$(sum "$TMP/same-uuid.img")" = "$before" ] || fail "same UUID: the new backing file was written"

# 2. Another filesystem behind it, the UUID alone expected (as the
# initramfs script passes it).
probe "$TMP/a.img"
repoint "$TMP/other.img"
before=$(sum "$TMP/other.img")
expect 3 "not the $uuid that was probed" "another filesystem, --expect-uuid" \
        -- replay --expect-uuid "$uuid" "$loop"
losetup -d "$loop"
[ "$(sum "$TMP/other.img")" = "$before" ] || fail "another filesystem: it was written"

# 3. A device number that is not the one probed.
probe "$TMP/a.img"
expect 3 "not the 7:4095 that was probed" "another device number" -- replay --expect-devno 7:4095 "$loop"
# 4. The device as probed: replayed.
"$FCREPLAY" replay -q --expect-uuid "$uuid" --expect-devno "$devno" --expect-diskseq "$diskseq" "$loop" ||
        fail "the device as probed: exit $?"
losetup -d "$loop"
needs_recovery "$TMP/a.img" && fail "the device as probed: needs_recovery still set"
fsck_clean "$TMP/a.img"
echo "device-identity: the device as probed: replayed"
