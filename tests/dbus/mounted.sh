#!/bin/sh
# ext4 keeps needs_recovery set while mounted: a mounted filesystem is
# "mounted" in status and on the bus, never "dirty"; a replay or a dry
# run of it is refused as mounted.  Mounts and unmounts after the start
# are followed (the mount table is watched): a dirty device mounted is
# "mounted", unmounted it is what its superblock says again; a clean one
# mounted is "mounted" too.
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
# A dry run over D-Bus is refused the same way, in JSON too.
rc=0
"$CTL" replay -n "$dev" 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "is mounted" "$TMP/err" || fail "dry run of mounted $dev: exit $rc: $(cat "$TMP/err")"
rc=0
"$CTL" --json replay -n "$dev" > "$TMP/out" 2> /dev/null || rc=$?
[ $rc -eq 3 ] || fail "--json dry run of mounted $dev: exit $rc"
python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))
assert o["error_name"] == "org.fcreplay1.Error.Mounted" and o["exit_code"] == 3 and "is mounted" in o["error"], o' \
        "$TMP/out" || fail "--json dry run of mounted $dev: $(cat "$TMP/out")"

# state_is DEV STATE: the daemon says so within 5 s.
state_is() {
        i=0
        until "$CTL" status | grep -q "^$1  *$2 "; do
                i=$((i + 1))
                [ $i -le 50 ] || { "$CTL" status >&2; fail "$1 is not $2 within 5 s (${3:-})"; }
                sleep 0.1
        done
}
umount "$TMP/mnt"
state_is "$dev" clean "after umount"
mount "$dev" "$TMP/mnt"
state_is "$dev" mounted "clean, mounted again"
umount "$TMP/mnt"
state_is "$dev" clean "unmounted again"

# A dirty device attached after the start (automatic replay off): dirty,
# then mounted, then clean once unmounted (the kernel replayed it).
dirty d
ddev=$(losetup -f --show "$TMP/d.img")
stop_daemon
start_daemon "include = LABEL=$LABEL_PREFIX-m LABEL=$LABEL_PREFIX-d" "auto_replay = no"
wait_owned 5
state_is "$ddev" dirty "attached dirty"
mount "$ddev" "$TMP/mnt" || fail "mount $ddev"
state_is "$ddev" mounted "dirty, mounted"
"$CTL" info "$ddev" | grep -q "^  state  *mounted$" || fail "info: $ddev not mounted"
umount "$TMP/mnt"
state_is "$ddev" clean "dirty, mounted, unmounted"
grep -q "$ddev: unmounted, now clean" "$TMP/daemon.log" || fail "no log line for the unmount of $ddev"
stop_daemon
echo "mounted: $dev (needs_recovery set while mounted) is listed as mounted; mounts and unmounts followed"
