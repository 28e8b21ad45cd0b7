#!/bin/sh
# fcreplay-hold, which udev runs for ext4 devices (64-fcreplayd.rules),
# prints FCREPLAY_HELD=1 only for a dirty, unmounted device while the auto
# marker exists and this incarnation of the device (number and disk
# sequence number) has no done marker; nothing otherwise.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
HOLD="$top_builddir/fcreplay-hold"
RUN=$FCREPLAYD_RUNTIME_DIR

# udev runs it at every ext4 uevent, on every boot: it links libext2fs
# and libc only (not libsystemd, libblkid and theirs, twice the exec's cost).
if command -v readelf > /dev/null; then
        needed=$(readelf -d "$HOLD" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
        [ -n "$needed" ] || fail "readelf lists no library that $HOLD needs"
        for lib in $needed; do
                case "$lib" in
                libext2fs.so.* | libcom_err.so.* | libc.so.*) ;;
                # A sanitizer build's runtimes (.ci/sanitizers).
                libasan.so.* | libubsan.so.* | liblsan.so.* | libtsan.so.*) ;;
                *) fail "fcreplay-hold links $lib (needed: $needed)" ;;
                esac
        done
fi

# held DEV [DISKSEQ]: whether fcreplay-hold holds DEV.
held() {
        out=$("$HOLD" "$@") || fail "fcreplay-hold $*: exit status $?"
        case "$out" in
        FCREPLAY_HELD=1) return 0 ;;
        "") return 1 ;;
        *) fail "fcreplay-hold $*: unexpected output '$out'" ;;
        esac
}

rc=0
"$HOLD" > /dev/null 2>&1 || rc=$?
[ $rc -eq 64 ] || fail "no argument: exit $rc, expected 64"

dirty d
dev=$(losetup -f --show "$TMP/d.img")
mkdir -p "$RUN/done"
! held "$dev" || fail "held without the auto marker (no fcreplayd, or one that does not replay on its own)"
touch "$RUN/auto"
held "$dev" || fail "a dirty device was not held"
marker=$(done_marker "$dev")
touch "$marker"
! held "$dev" || fail "held despite its done marker $marker"
seq=$(cat "/sys/class/block/$(basename "$dev")/diskseq" 2> /dev/null || true)
if [ -n "$seq" ]; then
        # udev passes $env{DISKSEQ}: the same incarnation, then the next.
        ! held "$dev" "$seq" || fail "held despite its done marker, with DISKSEQ=$seq given"
        held "$dev" $((seq + 1)) || fail "the done marker of DISKSEQ $seq counted for DISKSEQ $((seq + 1))"
        rc=0
        out=$("$HOLD" "$dev" x 2> /dev/null) || rc=$?
        [ $rc -ne 0 ] && [ -z "$out" ] || fail "a bad DISKSEQ: exit $rc, output '$out'"
fi
rm "$marker"

# Mounted (here without replay: noload): never held, or systemd would stop
# the mounts bound to it.
mkdir "$TMP/m"
mount -o ro,noload "$dev" "$TMP/m"
! held "$dev" || fail "a mounted device was held"
umount "$TMP/m"
held "$dev" || fail "not held after umount"

# Clean ext4, and no file system at all.
truncate -s 16M "$TMP/clean.img" "$TMP/zero.img"
mkfs.ext4 -q -F "$TMP/clean.img"
cdev=$(losetup -f --show "$TMP/clean.img")
! held "$cdev" || fail "a clean ext4 device was held"
zdev=$(losetup -f --show "$TMP/zero.img")
! held "$zdev" || fail "a device without a file system was held"

# A partition has no DISKSEQ of its own: its disk's counts.  Where the
# kernel scans partition tables.
python3 - "$TMP/part.img" "$TMP/d.img" <<'PY'
import struct, sys
out, fs = sys.argv[1], sys.argv[2]
data = open(fs, "rb").read()
mbr = bytearray(512)
mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, (len(data) + 511) // 512)
mbr[510:512] = b"\x55\xaa"
with open(out, "wb") as f:
    f.write(mbr)
    f.seek(2048 * 512)
    f.write(data)
PY
pdisk=$(losetup -P -f --show "$TMP/part.img")
i=0
while [ ! -b "${pdisk}p1" ] && [ $i -lt 20 ]; do
        sleep 0.05
        i=$((i + 1))
done
if [ -b "${pdisk}p1" ]; then
        held "${pdisk}p1" || fail "a dirty partition was not held"
        touch "$(done_marker "${pdisk}p1")"
        ! held "${pdisk}p1" || fail "a partition held despite its done marker (with its disk's DISKSEQ)"
        part="a partition (its disk's DISKSEQ)"
else
        part="no partition (this kernel does not scan $pdisk's table)"
fi

rm "$RUN/auto"
! held "$dev" || fail "held after the auto marker went"
echo "hold: held only while auto and not done; done per DISKSEQ; never mounted, clean or not ext4; $part"
