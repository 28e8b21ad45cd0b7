#!/bin/sh
# Labels are bytes from the disk (issue 23, item 0.6 and section 3).  Dirty
# loop devices labelled with bytes that are not UTF-8, terminal escapes (a
# screen clear, a title), a newline that would forge a row, and shell
# metacharacters, one on a backing file whose long name holds an escape:
#   - GetManagedObjects answers for every client, Label is valid UTF-8
#     (U+FFFD for a stray byte), LabelBytes the exact bytes;
#   - fcreplayctl --json status/info/monitor is valid JSON, its text output
#     sends no control and forges no row;
#   - the journal's MESSAGE= and the plain log lines are escaped, FS_LABEL=
#     keeps the bytes;
#   - fcreplay inspect --json is valid JSON, its text sends no control.
# About 10 s.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
command -v unshare > /dev/null || skip "unshare is not installed (Debian package util-linux)"
ESC=$(printf '\033')
BAD=$(printf 'bad\377\376label')                # not UTF-8
SCREEN=$(printf '\033[2J\033]0;pwn\007')        # clear, title
ROW=$(printf 'x\n/dev/sdz clean')               # 16 bytes: a forged row (libblkid
                                                # may give a space for the newline)
SHELL_LABEL='$(id);`x`|&>'
# A long backing file name with a title escape in it.
LONG=$(printf 'long\033]0;t\007%0200d' 0)

# label NAME LABEL: a dirty image $TMP/NAME.img labelled LABEL, on a loop device.
label() {
        dirty "$1"
        python3 "$top_srcdir/tests/daemon/set-label.py" "$TMP/$1.img" "$2"
        losetup -f --show "$TMP/$1.img"
}
bad=$(label bad "$BAD")
screen=$(label screen "$SCREEN")
row=$(label row "$ROW")
shl=$(label "$LONG" "$SHELL_LABEL")

start_bus
JOURNAL_LOG="$TMP/journal.log" start_daemon "include = $bad $screen $row $shl" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

# no_controls FILE WHAT: not one byte below 0x20 but newline, nor DEL or C1.
no_controls() {
        python3 - "$1" <<'PY' || fail "$2 holds a control character"
import re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", data)
if m:
    print("control at byte", m.start(), repr(data[max(0, m.start() - 20):m.end() + 20]), file=sys.stderr)
    sys.exit(1)
PY
}

# 1. D-Bus: one answer for every client; Label valid, LabelBytes exact.
$BUS --json=short call org.fcreplay1 /org/fcreplay1 org.freedesktop.DBus.ObjectManager GetManagedObjects \
        > "$TMP/objects.json" 2> "$TMP/objects.err" ||
        { cat "$TMP/objects.err" >&2; fail "GetManagedObjects fails"; }
python3 - "$TMP/objects.json" "$bad" "$SCREEN" "$screen" <<'PY' || fail "GetManagedObjects: labels"
import json, sys
objs = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))["data"][0]
dev = {v["org.fcreplay1.Device"]["Path"]["data"]: v["org.fcreplay1.Device"] for v in objs.values()
       if "org.fcreplay1.Device" in v}
got = dev[sys.argv[2]]
assert got["Label"]["data"] == "bad\ufffd\ufffdlabel", got["Label"]
assert bytes(got["LabelBytes"]["data"]) == b"bad\xff\xfelabel", got["LabelBytes"]
assert dev[sys.argv[4]]["Label"]["data"] == sys.argv[3], dev[sys.argv[4]]["Label"]
PY
echo "labels: GetManagedObjects answers; Label valid UTF-8, LabelBytes exact"

# 2. fcreplayctl --json: valid JSON, labels as the bus has them.
"$CTL" --json status > "$TMP/status.json" || fail "status --json: exit $?"
python3 - "$TMP/status.json" "$bad" "$screen" "$SCREEN" "$row" "$ROW" "$shl" "$SHELL_LABEL" <<'PY' ||
import json, sys
a = sys.argv
devs = {d["device"]: d for d in json.load(open(a[1], encoding="utf-8", errors="strict"))["devices"]}
assert devs[a[2]]["label"] == "bad\ufffd\ufffdlabel", devs[a[2]]
for dev, want in ((a[3], a[4]), (a[5], a[6]), (a[7], a[8])):
    # libblkid (util-linux 2.39) reads a newline in a label as a space.
    assert devs[dev]["label"] in (want, want.replace("\n", " ")), (devs[dev], want)
PY
        { cat "$TMP/status.json" >&2; fail "status --json: labels"; }
"$CTL" --json info "$bad" | python3 -c 'import json, sys
assert json.loads(sys.stdin.buffer.read().decode())["label"] == "bad\ufffd\ufffdlabel"' ||
        fail "info --json $bad: label"

# 3. Text: no control reaches the terminal, no row is forged, the label is
# there in its escaped form.
"$CTL" status > "$TMP/status.txt" || fail "status: exit $?"
no_controls "$TMP/status.txt" "fcreplayctl status"
! grep -q '^/dev/sdz' "$TMP/status.txt" || { cat "$TMP/status.txt" >&2; fail "status: a label forged a row"; }
grep -qF "$screen" "$TMP/status.txt" && grep -qF '\x1b[2J\x1b]0;pwn\x07' "$TMP/status.txt" &&
        grep -qF 'bad\xff\xfelabel' "$TMP/status.txt" &&
        grep -qF -e 'x\x0a/dev/sdz clean' -e 'x /dev/sdz clean' "$TMP/status.txt" && grep -qF "$SHELL_LABEL" "$TMP/status.txt" ||
        { cat "$TMP/status.txt" >&2; fail "status: the labels are not shown escaped"; }
for d in "$bad" "$screen" "$row"; do
        "$CTL" info "$d" > "$TMP/info.txt" || fail "info $d: exit $?"
        no_controls "$TMP/info.txt" "fcreplayctl info $d"
        grep -q "^  label  *[^-? ]" "$TMP/info.txt" || { cat "$TMP/info.txt" >&2; fail "info $d: no label"; }
done
echo "labels: fcreplayctl status/info: valid JSON; text escaped, one row a device"

# 4. monitor, text and --json, while the escape-labelled device is replayed.
"$CTL" --json monitor > "$TMP/monitor.json" 2>&1 &
mon_json=$!
"$CTL" monitor > "$TMP/monitor.txt" 2>&1 &
mon_txt=$!
wait_for "$TMP/monitor.txt" "Monitoring" 5
sleep 0.5
"$CTL" replay "$screen" > "$TMP/replay.txt" || fail "replay $screen: exit $?"
sleep 0.5
kill "$mon_json" "$mon_txt"
wait "$mon_json" "$mon_txt" 2> /dev/null || true
grep -q '"signal":"Completed"' "$TMP/monitor.json" || { cat "$TMP/monitor.json" >&2; fail "monitor --json saw no end"; }
python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    json.loads(line)' "$TMP/monitor.json" || fail "monitor --json: not one JSON object a line"
no_controls "$TMP/monitor.txt" "fcreplayctl monitor"
no_controls "$TMP/replay.txt" "fcreplayctl replay"
echo "labels: monitor --json valid, monitor and replay text escaped"

# 5. Logs: MESSAGE= and the plain lines escaped, FS_LABEL= the bytes.
stop_daemon
python3 - "$TMP/journal.log" "$screen" "$row" "$SCREEN" <<'PY' || { cat "$TMP/journal.log" >&2; fail "journal"; }
import sys
log, screen, row, label = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode(), sys.argv[4].encode()
seen = set()
for line in open(log, "rb"):
    fields = dict(f.split(b"=", 1) for f in line.rstrip(b"\n").split(b"|") if b"=" in f)
    dev = fields.get(b"DEVICE")
    msg = fields.get(b"MESSAGE", b"")
    assert b"\x1b" not in msg and b"\x07" not in msg, ("raw control in MESSAGE=", msg)
    if dev == screen:
        assert br"\x1b[2J\x1b]0;pwn\x07" in msg, msg
        assert fields[b"FS_LABEL"] == label, fields[b"FS_LABEL"]
        seen.add("screen")
    if dev == row:
        # One line: the newline escaped, not a binary field (shown \n).
        assert br"x\x0a/dev/sdz clean" in msg or b"x /dev/sdz clean" in msg, msg
        seen.add("row")
assert seen == {"screen", "row"}, seen
PY
python3 - "$TMP/daemon.log" <<'PY' || { cat "$TMP/daemon.log" >&2; fail "plain log lines"; }
import re, sys
for line in open(sys.argv[1], "rb"):
    assert re.match(rb"<[0-7]>fcreplayd: ", line), ("a line split by a label", line)
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", line), ("raw control", line)
PY
echo "labels: journal MESSAGE= and plain lines escaped, FS_LABEL= exact"

# 6. fcreplay inspect: the label is not part of its report (nothing to
# escape); the report stays valid JSON and its text control-free.
for n in bad row; do
        "$top_builddir/fcreplay" inspect --json "$TMP/$n.img" > "$TMP/inspect.json" || fail "inspect --json $n: exit $?"
        python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode())' "$TMP/inspect.json" ||
                fail "inspect --json $n: not valid JSON"
        "$top_builddir/fcreplay" inspect "$TMP/$n.img" > "$TMP/inspect.txt" || fail "inspect $n: exit $?"
        no_controls "$TMP/inspect.txt" "fcreplay inspect $n"
done
echo "labels: fcreplay inspect --json valid, text control-free"
