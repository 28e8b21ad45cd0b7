#!/bin/sh
# What fcreplayd replays on its own (issue 23, section 1): a dirty device
# this boot mounts (an fstab line, a mount unit's What=) or that include=
# names; not another one, which is reported dirty with its reason (journal
# and D-Bus) and replayed when an admin asks; not removable media
# (simulated: ID_BUS=usb through the daemon's test file of udev
# properties), even in fstab, unless include= names it exactly.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
for n in free fstab unit usb; do
        dirty $n
done
cp "$TMP/free.img" "$TMP/free.orig"
cp "$TMP/usb.img" "$TMP/usb.orig"
free=$(losetup -f --show "$TMP/free.img")
fstab=$(losetup -f --show "$TMP/fstab.img")
unit=$(losetup -f --show "$TMP/unit.img")
usb=$(losetup -f --show "$TMP/usb.img")
# This test's fstab (with a swap line by the same label, which does not
# count) and a mount unit naming its device by another path than its node.
printf 'LABEL=%s-fstab /srv/f ext4 defaults 0 0\nLABEL=%s-free none swap sw 0 0\nLABEL=%s-usb /srv/u ext4 defaults 0 0\n' \
        "$LABEL_PREFIX" "$LABEL_PREFIX" "$LABEL_PREFIX" > "$FCREPLAYD_FSTAB"
mkdir -p "$FCREPLAYD_UNIT_PATH"
ln -s "$unit" "$TMP/unit-link"
printf '[Unit]\nDescription=test\n\n[Mount]\nWhat=%s\nWhere=/srv/m\n' "$TMP/unit-link" > "$FCREPLAYD_UNIT_PATH/srv-m.mount"
export FCREPLAYD_TEST_UDEV_PROPERTIES="$TMP/udev.props"
echo "$usb ID_BUS=usb" > "$FCREPLAYD_TEST_UDEV_PROPERTIES"
start_bus
# No include=: what this boot mounts only.
start_daemon "watch = LABEL=$LABEL_PREFIX-free LABEL=$LABEL_PREFIX-fstab LABEL=$LABEL_PREFIX-unit LABEL=$LABEL_PREFIX-usb"
wait_for "$TMP/notify.log" "READY=1" 30
wait_owned 5
replayed_right "$fstab"
replayed_right "$unit"
grep -q "$free: skipped: dirty, not replayed on its own: not mounted by this boot" "$TMP/daemon.log" ||
        { cat "$TMP/daemon.log" >&2; fail "$free: no reason in the journal"; }
grep -q "$usb: skipped: dirty, not replayed on its own: on USB (ID_BUS=usb): replayed on its own only when include= names it exactly" \
        "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "$usb: no reason in the journal"; }
# On D-Bus: dirty, with the reason.
"$CTL" --json list > "$TMP/list.json" || fail "fcreplayctl list: exit $?"
python3 - "$TMP/list.json" "$free" "$usb" <<'PY' || fail "the unreplayed devices are not dirty with their reason on D-Bus"
import json, sys
devs = {d["device"]: d for d in json.load(open(sys.argv[1]))}
for dev, why in ((sys.argv[2], "not mounted by this boot"), (sys.argv[3], "ID_BUS=usb")):
    d = devs[dev]
    assert d["state"] == "dirty", d
    assert why in d["last_message"] and "fcreplayctl replay " + dev in d["last_message"], d
PY
cmp -s "$TMP/free.img" "$TMP/free.orig" || fail "$free, in no mount unit, was written"
cmp -s "$TMP/usb.img" "$TMP/usb.orig" || fail "$usb, removable media in fstab, was written"
# An admin asks.
"$CTL" replay "$free" > /dev/null || fail "fcreplayctl replay $free: exit $?"
replayed_right "$free"
stop_daemon
echo "policy: fstab's $fstab and the mount unit's $unit replayed; $free reported and replayed on request; USB $usb left alone"

# include= names the removable device exactly: replayed on its own; a
# wildcard does not name it.
start_daemon "watch = LABEL=$LABEL_PREFIX-usb" "include = /dev/loop*"
wait_for "$TMP/notify.log" "READY=1" 30
cmp -s "$TMP/usb.img" "$TMP/usb.orig" || fail "$usb was replayed by a wildcard include="
stop_daemon
start_daemon "include = LABEL=$LABEL_PREFIX-usb"
wait_for "$TMP/daemon.log" "$usb: replayed" 30
replayed_right "$usb"
stop_daemon
echo "policy: removable $usb left alone with include = /dev/loop*, replayed when include= names its label"
