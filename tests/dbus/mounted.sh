#!/bin/sh
# ext4 keeps needs_recovery set while mounted: a mounted filesystem is
# "mounted" in status and on the bus, never "dirty".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
truncate -s 32M "$TMP/m.img"
mkfs.ext4 -q -L "$LABEL_PREFIX-m" "$TMP/m.img" || fail "mkfs.ext4"
dev=$(losetup -f --show "$TMP/m.img")
mkdir "$TMP/mnt"
mount "$dev" "$TMP/mnt" || skip "cannot mount ext4 here"
needs_recovery "$dev" || fail "mounted $dev does not have needs_recovery set"
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-m"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5
"$CTL" status > "$TMP/status.out" || fail "fcreplayctl status exit $?"
cat "$TMP/status.out"
grep -q "^$dev  *mounted " "$TMP/status.out" || fail "$dev is not listed as mounted"
[ "$("$CTL" --json list | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])')" = mounted ] ||
        fail "fcreplayctl --json list: $dev is not mounted"
grep -q "$dev: skipped: mounted" "$TMP/daemon.log" || fail "no log line saying $dev was skipped as mounted"
# Asked for anyway: refused as mounted, and still listed so.
rc=0
"$CTL" replay "$dev" 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "is mounted" "$TMP/err" || fail "replay of mounted $dev: exit $rc: $(cat "$TMP/err")"
"$CTL" status | grep -q "^$dev  *mounted " || fail "$dev not mounted in status after the refused replay"
stop_daemon
umount "$TMP/mnt"
echo "mounted: $dev (needs_recovery set while mounted) is listed as mounted"
