#!/bin/sh
# The units pass systemd-analyze verify (with the built binary in place of
# the installed one).
. "$top_srcdir/tests/integration/lib.sh"
command -v systemd-analyze > /dev/null || skip "systemd-analyze is not installed"
sed "s|@sbindir@|$top_builddir|" "$top_srcdir/systemd/fcreplayd.service.in" > "$TMP/fcreplayd.service"
systemd-analyze verify --man=no "$TMP/fcreplayd.service" 2>&1 | tee "$TMP/verify.out"
[ ! -s "$TMP/verify.out" ] || fail "systemd-analyze verify complained"
grep -q '^Type=notify' "$TMP/fcreplayd.service" || fail "not Type=notify"
grep -q '^Before=local-fs-pre.target' "$TMP/fcreplayd.service" || fail "not ordered before local-fs-pre.target"

grep -q '^WantedBy=sysinit.target' "$TMP/fcreplayd.service" || fail "no [Install] WantedBy=sysinit.target: 'systemctl enable' would do nothing"
# Options that imply mounts order the unit after local-fs.target: a cycle.
for opt in PrivateTmp ProtectHome ReadWritePaths ReadOnlyPaths InaccessiblePaths BindPaths BindReadOnlyPaths \
        TemporaryFileSystem RequiresMountsFor StateDirectory CacheDirectory LogsDirectory PrivateDevices; do
        ! grep -q "^$opt=" "$TMP/fcreplayd.service" || fail "$opt= implies mounts (an ordering cycle at boot)"
done
! grep -q '^ExecReload=/bin/kill' "$TMP/fcreplayd.service" || fail "ExecReload needs /bin/kill (procps)"
# Bounded resources (docs/limits.md), and a worker killed for memory is not the daemon's end.
grep -q '^MemoryMax=' "$TMP/fcreplayd.service" && grep -q '^TasksMax=' "$TMP/fcreplayd.service" &&
        grep -q '^OOMPolicy=continue$' "$TMP/fcreplayd.service" || fail "no MemoryMax=, TasksMax= or OOMPolicy=continue"
# Late devices (daemon/hold.h): the markers live in RuntimeDirectory=, and
# after a crash ExecStopPost= removes the auto marker, then releases.
grep -q '^RuntimeDirectory=fcreplayd$' "$TMP/fcreplayd.service" || fail "no RuntimeDirectory=fcreplayd for the markers"
rm_line=$(grep -n '^ExecStopPost=.*rm -f %t/fcreplayd/auto$' "$TMP/fcreplayd.service" | cut -d: -f1)
trigger_line=$(grep -n '^ExecStopPost=.*udevadm trigger .*--property-match=FCREPLAY_HELD=1' "$TMP/fcreplayd.service" | cut -d: -f1)
[ -n "$rm_line" ] && [ -n "$trigger_line" ] && [ "$rm_line" -lt "$trigger_line" ] ||
        fail "ExecStopPost= must remove the auto marker, then trigger the held devices"
exposure=$(systemd-analyze security --offline=yes "$TMP/fcreplayd.service" 2>/dev/null | tail -1)
awk -v e="$exposure" 'BEGIN { sub(/.*: /, "", e); exit !(e + 0 > 0 && e + 0 <= 3.0) }' ||
        fail "exposure above 3.0: $exposure"
echo "units: fcreplayd.service verified; exposure: $exposure"
