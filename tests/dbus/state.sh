#!/bin/sh
# A device's State follows its superblock after a run that wrote nothing:
# a forced dry run of a clean device leaves it "clean" (not "dirty"), a dry
# run of a dirty one "dirty", a forced run of a clean one "clean".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
truncate -s 32M "$TMP/c.img"
mkfs.ext4 -q -L "$LABEL_PREFIX-c" "$TMP/c.img" || fail "mkfs.ext4"
dirty d
cdev=$(losetup -f --show "$TMP/c.img")
ddev=$(losetup -f --show "$TMP/d.img")
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-c LABEL=$LABEL_PREFIX-d" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

# state_is DEV STATE WHAT
state_is() {
        got=$("$CTL" --json list | python3 -c 'import json, sys
print([d["state"] for d in json.load(sys.stdin) if d["device"] == sys.argv[1]][0])' "$1")
        [ "$got" = "$2" ] || fail "$3: $1 is '$got', not '$2'"
        echo "state: $3: $1 $got"
}

state_is "$cdev" clean "at start"
state_is "$ddev" dirty "at start"
"$CTL" replay --dry-run --force "$cdev" > /dev/null || fail "forced dry run of clean $cdev: exit $?"
state_is "$cdev" clean "after a forced dry run"
"$CTL" replay --dry-run "$ddev" > /dev/null || fail "dry run of dirty $ddev: exit $?"
state_is "$ddev" dirty "after a dry run"
needs_recovery "$ddev" || fail "the dry run wrote"
"$CTL" replay --force "$cdev" > /dev/null || fail "forced run of clean $cdev: exit $?"
state_is "$cdev" clean "after a forced run"
stop_daemon
