#!/bin/sh
# Between probe and write (issue 23, section 4): the replay writes only
# the device that was probed.  The worker is made to wait before it opens
# the device; meanwhile the loop device is given another file.  Its disk
# sequence number changed: the replay ends "changed", nothing written on
# either file, and the device is looked at again as new (here: another
# label, which the configuration does not include, so left alone).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
[ -e /sys/block/loop0/diskseq ] || [ -n "$(ls /sys/block/*/diskseq 2> /dev/null)" ] ||
        skip "the kernel has no disk sequence numbers (before 5.15)"
dirty a
dirty b
cp "$TMP/a.img" "$TMP/a.orig"
cp "$TMP/b.img" "$TMP/b.orig"
dev=$(losetup -f --show "$TMP/a.img")
FCREPLAYD_TEST_OPEN_DELAY_MS=4000 start_daemon "include = LABEL=$LABEL_PREFIX-a"
wait_for "$TMP/daemon.log" "$dev: replay started" 20
losetup -d "$dev"
losetup "$dev" "$TMP/b.img"
wait_for "$TMP/daemon.log" "$dev: changed since its probe, not replayed" 30
grep -q "$dev: changed since its probe.*holds another disk than the one probed" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "the refusal does not say why"; }
# Looked at again as what it holds now: b, which is not included.
wait_for "$TMP/daemon.log" "$dev: skipped: excluded by the configuration" 20
cmp -s "$TMP/b.img" "$TMP/b.orig" || fail "b.img, attached after the probe of a.img, was written"
cmp -s "$TMP/a.img" "$TMP/a.orig" || fail "a.img was written after it was detached"
grep -q "$dev: replayed" "$TMP/daemon.log" && fail "a replay of $dev was reported"
stop_daemon
echo "changed: $dev re-pointed after its probe: not written, reported changed, looked at again"
