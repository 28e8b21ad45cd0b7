#!/bin/sh
# The D-Bus API on a private bus with the project's policy file: the real
# fcreplayd, started before the bus exists, driven by fcreplayctl and
# busctl.  Covers the live introspection against dbus/org.fcreplay1.xml, a
# replay by path with progress signals, an allocator swap seen by the next
# replay, non-root callers refused on every mutating method but able to
# read, a concurrent replay refused as Busy, and devices that do not exist
# or are not ext4.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
chmod 755 "$TMP"

dirty a
dirty b fc-plain
dirty slow
truncate -s 16M "$TMP/notext4.img"
# 1. The daemon first, with no bus: its boot work goes on without one.
# Automatic replay off: the replays here are the ones asked for on the bus.
start_daemon "include = LABEL=$LABEL_PREFIX-a LABEL=$LABEL_PREFIX-b LABEL=$LABEL_PREFIX-slow" "allocator = kernel" \
        "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "no system bus yet" "$TMP/daemon.log" || fail "the daemon did not say it waits for the bus"
start_bus
wait_for "$TMP/daemon.log" "serving org.fcreplay1" 5
echo "api: the daemon took the bus name once the bus appeared"

# 2. A replay by path, through fcreplayctl, with progress signals seen.
d1=$(losetup -f --show "$TMP/notext4.img")
d2=$(losetup -f --show "$TMP/slow.img")
wait_for "$TMP/daemon.log" "$d2: skipped: dirty, not replayed because of auto_replay=no" 5
$BUS monitor --match "type='signal',sender='org.fcreplay1'" > "$TMP/monitor.log" 2>&1 &
MON=$!
sleep 0.5
"$CTL" replay "$d2" > "$TMP/ctl.out" || fail "fcreplayctl replay exit $?"
cat "$TMP/ctl.out"
grep -q "$d2: replayed" "$TMP/ctl.out" || fail "no result line"
replayed_right "$d2"
sleep 0.3
kill $MON || fail "busctl monitor is not running: $(cat "$TMP/monitor.log")"
grep -q '"Progress"' "$TMP/monitor.log" || fail "no Progress property change seen on the bus"
grep -q 'Member=Completed' "$TMP/monitor.log" || fail "no Completed signal seen"
echo "api: replay by path; Progress changes and Completed seen on the bus"

# 3. Live introspection of the Manager, a Device and a Job matches the XML
# in the repository.
dpath=$($BUS call org.fcreplay1 /org/fcreplay1 org.fcreplay1.Manager ListDevices | grep -o '"/org/fcreplay1/device/[^"]*"' | head -1 | tr -d '"')
jpath=$($BUS get-property org.fcreplay1 "$dpath" org.fcreplay1.Device Job | cut -d'"' -f2)
[ "$jpath" = "/" ] && jpath=$($BUS tree --list org.fcreplay1 | grep '/org/fcreplay1/job/' | head -1)
python3 - "$top_srcdir/dbus/org.fcreplay1.xml" "$dpath" "$jpath" <<'PY' || fail "introspection differs from dbus/org.fcreplay1.xml"
import os, subprocess, sys, xml.etree.ElementTree as ET
want = ET.parse(sys.argv[1]).getroot()
def members(root, name):
    for i in root.iter("interface"):
        if i.get("name") == name:
            return sorted((m.tag, m.get("name"), "".join(a.get("type") for a in m.iter("arg")) + (m.get("type") or ""))
                          for m in i if m.tag in ("method", "signal", "property"))
bus = ["busctl", "--address=" + os.environ["DBUS_SYSTEM_BUS_ADDRESS"]]
for iface, path in (("org.fcreplay1.Manager", "/org/fcreplay1"), ("org.fcreplay1.Device", sys.argv[2]),
                    ("org.fcreplay1.Job", sys.argv[3])):
    xml = subprocess.run(bus + ["introspect", "--xml-interface", "org.fcreplay1", path],
                         capture_output=True, text=True, check=True).stdout
    if members(ET.fromstring(xml), iface) != members(want, iface):
        print(iface, "live:", members(ET.fromstring(xml), iface), "\nxml:", members(want, iface))
        sys.exit(1)
print("api: Manager, Device and Job introspection match the XML")
PY

# 4. Allocator swap seen by the next replay; reading works for nobody.
"$CTL" set-allocator goal > /dev/null || fail "set-allocator exit $?"
[ "$($BUS get-property org.fcreplay1 /org/fcreplay1 org.fcreplay1.Manager Allocator)" = 's "goal"' ] ||
        fail "Allocator property not goal"
d3=$(losetup -f --show "$TMP/b.img")
"$CTL" --json replay "$d3" > "$TMP/ctl.json" || fail "replay of $d3 exit $?"
grep -q "$d3: replayed.*allocator goal" "$TMP/daemon.log" || fail "the next replay did not use goal"
replayed_right "$d3" fc-plain
nobody "$CTL" status > "$TMP/status.out" || fail "status as nobody exit $?"
grep -q "$d3" "$TMP/status.out" || fail "status does not list $d3"
nobody "$CTL" --json list | python3 -m json.tool > /dev/null || fail "list --json as nobody"
nobody "$CTL" list-allocators | grep -q "goal (current)" || fail "list-allocators"
echo "api: allocator swapped to goal and used by the next replay; nobody can read"

# 5. Non-root refused on every mutating method.
for call in "SetAllocator s kernel" "ReplayDevice sa{sv} $d3 0"; do
        rc=0
        nobody $BUS call org.fcreplay1 /org/fcreplay1 org.fcreplay1.Manager $call 2> "$TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "only root" "$TMP/err" || fail "nobody: $call was not refused: $(cat "$TMP/err")"
done
rc=0
nobody "$CTL" set-allocator kernel 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "only root" "$TMP/err" || fail "fcreplayctl as nobody: exit $rc"
job=$($BUS call org.fcreplay1 /org/fcreplay1 org.fcreplay1.Manager ReplayDevice "sa{sv}" "$d3" 1 force b true | cut -d'"' -f2)
rc=0
nobody $BUS call org.fcreplay1 "$job" org.fcreplay1.Job Cancel 2> "$TMP/err" || rc=$?
[ $rc -ne 0 ] && grep -q "only root" "$TMP/err" || fail "nobody: Cancel was not refused"
echo "api: non-root refused on SetAllocator, ReplayDevice and Cancel"

# 6. A concurrent replay of one device is Busy; bad devices are refused.
kill "$DAEMON_PID"; wait "$DAEMON_PID" || true
DAEMON_PID=""
d4=$(losetup -f --show "$TMP/a.img")
FCREPLAYD_TEST_HOLD_MS=2000 NOTIFY_SOCKET= "$FCREPLAYD" --config "$TMP/fcreplayd.conf" 2> "$TMP/daemon2.log" &
DAEMON_PID=$!
wait_for "$TMP/daemon2.log" "serving org.fcreplay1" 5
# Each replay holds 2 s before writing: the second request comes while
# the first one runs.
"$CTL" replay --no-wait "$d4" > /dev/null || fail "first replay of $d4"
rc=0
"$CTL" replay "$d4" 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "being replayed already" "$TMP/err" || fail "second replay of $d4: exit $rc: $(cat "$TMP/err")"
rc=0
$BUS call org.fcreplay1 /org/fcreplay1 org.fcreplay1.Manager ReplayDevice "sa{sv}" "$d4" 0 2> "$TMP/err" || rc=$?
grep -q "Busy\|being replayed" "$TMP/err" || fail "busctl: no Busy error"
rc=0
"$CTL" replay /dev/no-such-device 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "does not exist" "$TMP/err" || fail "missing device: exit $rc"
rc=0
"$CTL" replay "$d1" 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "does not hold an ext4" "$TMP/err" || fail "not ext4: exit $rc: $(cat "$TMP/err")"
"$CTL" --json inspect "$d2" | python3 -m json.tool > /dev/null || fail "inspect"
echo "api: concurrent replay Busy; missing and non-ext4 devices refused; inspect gives JSON"

# Cancel before writing (root): nothing written; after the end: refused.
wait_for "$TMP/daemon2.log" "$d4: replayed" 10
dirty c
d5=$(losetup -f --show "$TMP/c.img")
sum=$(sha256sum < "$TMP/c.img")
job=$("$CTL" replay --no-wait "$d5")
$BUS call org.fcreplay1 "$job" org.fcreplay1.Job Cancel || fail "Cancel before writing failed"
i=0
until [ "$($BUS get-property org.fcreplay1 "$job" org.fcreplay1.Job State)" = 's "cancelled"' ]; do
        i=$((i + 1)); [ $i -le 100 ] || fail "the job did not end as cancelled"; sleep 0.05
done
[ "$(sha256sum < "$TMP/c.img")" = "$sum" ] || fail "a cancelled replay wrote to $d5"
rc=0
$BUS call org.fcreplay1 "$job" org.fcreplay1.Job Cancel 2> "$TMP/err" || rc=$?
[ $rc -ne 0 ] && grep -q "has ended" "$TMP/err" || fail "Cancel of an ended job was not refused"
echo "api: Cancel before writing honoured with nothing written; after the end refused"

# 7. The bus restarts: the daemon serves it again.
stop_bus
wait_for "$TMP/daemon2.log" "system bus went away" 5
rm -f "$TMP/bus"
start_bus
# Owned again, and answering (not busctl status: systemd 257's fails in a
# chroot, "Failed to get credentials: No medium found").
wait_owned 5
$BUS get-property org.fcreplay1 /org/fcreplay1 org.fcreplay1.Manager Allocator > /dev/null ||
        fail "the daemon did not answer on the restarted bus"
echo "api: back on the bus after it restarted"
