#!/bin/sh
# fcreplayctl replay of a device that does not need recovery (no -f): one
# clear line, or one JSON object, and exit 0 "nothing to do", as fcreplay
# on a clean image; with --no-wait too (no job to print).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
truncate -s 32M "$TMP/c.img"
mkfs.ext4 -q -L "$LABEL_PREFIX-c" "$TMP/c.img" || fail "mkfs.ext4"
needs_recovery "$TMP/c.img" && fail "a new filesystem needs recovery"
dev=$(losetup -f --show "$TMP/c.img")
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-c" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

for mode in "" "--no-wait"; do
        rc=0
        "$CTL" replay $mode "$dev" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq 0 ] || fail "replay $mode of clean $dev: exit $rc: $(cat "$TMP/out" "$TMP/err")"
        [ "$(cat "$TMP/out")" = "$dev does not need recovery (use force to run anyway)" ] ||
                fail "replay $mode of clean $dev printed: $(cat "$TMP/out")"
        [ ! -s "$TMP/err" ] || fail "replay $mode of clean $dev: stderr: $(cat "$TMP/err")"

        rc=0
        "$CTL" --json replay $mode "$dev" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq 0 ] || fail "--json replay $mode of clean $dev: exit $rc: $(cat "$TMP/out" "$TMP/err")"
        python3 - "$TMP/out" "$dev" <<'PY' || fail "--json replay $mode of clean $dev: $(cat "$TMP/out")"
import json, sys
text = open(sys.argv[1]).read()
o, end = json.JSONDecoder().raw_decode(text)
assert not text[end:].strip(), "more than one JSON object"
assert o["exit_code"] == 0 and o["result"] == "nothing-to-do" and o["written"] is False, o
assert o["device"] == sys.argv[2] and "does not need recovery" in o["message"], o
assert o["error_name"] == "org.fcreplay1.Error.NotDirty", o
PY
done
"$CTL" info "$dev" | grep -q "^  state  *clean$" || fail "$dev is not clean in info"
stop_daemon
echo "clean-replay: $dev: one line / one JSON object, exit 0, in all three modes"
