#!/bin/sh
# --json is always JSON: errors and refusals of fcreplay and fcreplayctl
# give one object on stdout (exit_code, error, written), keys in one style.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
chmod 755 "$TMP"

# json_error WHAT CODE CMD...: exit CODE and a JSON error object on stdout.
json_error() {
        what=$1 code=$2
        shift 2
        rc=0
        "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq "$code" ] || fail "$what: exit $rc, expected $code: $(cat "$TMP/out" "$TMP/err")"
        python3 - "$TMP/out" "$code" <<'PY' || fail "$what: stdout is not a JSON error: $(cat "$TMP/out")"
import json, re, sys
o = json.load(open(sys.argv[1]))
assert o["exit_code"] == int(sys.argv[2]) and o["error"] and o["written"] is False, o
bad = [k for k in o if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
assert not bad, bad
PY
        echo "json-errors: $what: $(tr -d '\n' < "$TMP/out")"
}

# fcreplay: a refusal (a journal superblock without magic), a filesystem
# that cannot be opened (shorter than itself), a missing image, a bad config.
unpack "$FIXTURES/demo" "$TMP/img"
cp "$TMP/img" "$TMP/nomagic.img"
bs=$(dumpe2fs -h "$TMP/img" 2>/dev/null | sed -n 's/^Block size: *//p')
printf '\000\000\000\000' | dd of="$TMP/nomagic.img" bs=1 conv=notrunc status=none \
        seek=$(( $(debugfs -R "bmap <8> 0" "$TMP/img" 2>/dev/null) * bs ))
json_error "fcreplay refusal" 2 "$FCREPLAY" --json replay "$TMP/nomagic.img"
json_error "fcreplay inspect refusal" 2 "$FCREPLAY" --json inspect "$TMP/nomagic.img"
cp "$TMP/img" "$TMP/short.img"
truncate -s 1M "$TMP/short.img"
json_error "fcreplay unopenable filesystem" 3 "$FCREPLAY" --json replay "$TMP/short.img"
json_error "fcreplay inspect unopenable filesystem" 3 "$FCREPLAY" --json inspect "$TMP/short.img"
json_error "fcreplay missing image" 3 "$FCREPLAY" --json replay "$TMP/none.img"
printf 'allocator = nope\n' > "$TMP/bad.conf"
FCREPLAY_CONFIG="$TMP/bad.conf" json_error "fcreplay bad config" 64 "$FCREPLAY" --json replay "$TMP/img"
grep -q 'bad.conf:1: no allocator' "$TMP/out" || fail "the JSON error does not name file and line"

# fcreplayctl: no daemon, then daemon errors.
json_error "fcreplayctl without a bus" 3 "$CTL" --json status
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-none" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5
json_error "fcreplayctl replay of a missing device" 3 "$CTL" --json replay /dev/no-such-device
json_error "fcreplayctl inspect as nobody" 3 setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$CTL" --json inspect /dev/no-such-device
grep -q 'PermissionDenied' "$TMP/out" || fail "no PermissionDenied in the JSON error"
"$CTL" --json list | python3 -c 'import json, re, sys
for d in json.load(sys.stdin):
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in d), d' || fail "fcreplayctl --json list keys"
stop_daemon
