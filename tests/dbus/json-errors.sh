#!/bin/sh
# --json is always JSON: errors and refusals of fcreplay and fcreplayctl
# give one object on stdout (exit_code, result, error, written), usage
# errors too; keys in one style, snake_case, in list, info, a refused
# replay and monitor, on a real dirty device.
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
assert o["result"] in ("refused", "failed", "usage"), o
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

json_error "fcreplay usage: unknown command" 64 "$FCREPLAY" --json frobnicate "$TMP/img"
json_error "fcreplay usage: --dry-run with inspect" 64 "$FCREPLAY" --json -n inspect "$TMP/img"
json_error "fcreplay usage: unknown allocator" 64 "$FCREPLAY" --json -a nope replay "$TMP/img"
json_error "fcreplayctl usage: unknown command" 64 "$CTL" --json frobnicate
json_error "fcreplayctl usage: missing argument" 64 "$CTL" --json replay

# snake_case: every key of every object, nested ones too.
keys_ok() {
        python3 -c 'import json, re, sys
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            assert re.fullmatch(r"[a-z][a-z0-9_]*", k), k
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
dec, text, n = json.JSONDecoder(), sys.stdin.read(), 0
i = 0
while text[i:].strip():
    while text[i].isspace():
        i += 1
    o, i = dec.raw_decode(text, i)
    walk(o)
    n += 1
assert n >= int(sys.argv[1]), "only %d object(s)" % n' "$1"
}

# fcreplayctl: no daemon, then daemon errors.
json_error "fcreplayctl without a bus" 3 "$CTL" --json status
dirty d
# A journal superblock checksum that fails: the replay is refused.
jblk=$(debugfs -R "bmap <8> 0" "$TMP/d.img" 2>/dev/null)
printf '\001' | dd of="$TMP/d.img" bs=1 seek=$((jblk * bs + 0x20)) conv=notrunc status=none
dev=$(losetup -f --show "$TMP/d.img")
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-d" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5
json_error "fcreplayctl replay of a missing device" 3 "$CTL" --json replay /dev/no-such-device
json_error "fcreplayctl inspect as nobody" 3 setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$CTL" --json inspect /dev/no-such-device
grep -q 'PermissionDenied' "$TMP/out" || fail "no PermissionDenied in the JSON error"

"$CTL" --json list > "$TMP/list.json" || fail "--json list: exit $?"
python3 -c 'import json, sys; l = json.load(open(sys.argv[1])); assert [d["device"] for d in l] == [sys.argv[2]], l' \
        "$TMP/list.json" "$dev" || fail "--json list does not list $dev: $(cat "$TMP/list.json")"
keys_ok 1 < "$TMP/list.json" || fail "fcreplayctl --json list keys: $(cat "$TMP/list.json")"
"$CTL" --json info "$dev" > "$TMP/info.json" || fail "--json info: exit $?"
keys_ok 1 < "$TMP/info.json" || fail "fcreplayctl --json info keys: $(cat "$TMP/info.json")"
"$CTL" --json monitor > "$TMP/monitor.json" 2>&1 &
MON=$!
sleep 0.5       # the match in place (monitor prints nothing before it with --json)
json_error "fcreplayctl refused replay" 2 "$CTL" --json replay "$dev"
python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))
assert o["result"] == "refused" and o["device"] == sys.argv[2] and o["job"].startswith("/org/fcreplay1/job/"), o
assert o["success"] is False, o' "$TMP/out" "$dev" || fail "refused replay's object: $(cat "$TMP/out")"
keys_ok 1 < "$TMP/out" || fail "refused replay keys"
wait_for "$TMP/monitor.json" '"signal":"Completed"' 5
kill "$MON"
cat "$TMP/monitor.json"
grep -q '"blocks_done"' "$TMP/monitor.json" || grep -q '"state"' "$TMP/monitor.json" ||
        fail "monitor shows no property change"
keys_ok 3 < "$TMP/monitor.json" || fail "fcreplayctl --json monitor keys: $(cat "$TMP/monitor.json")"
stop_daemon
