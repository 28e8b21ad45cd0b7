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
echo "units: fcreplayd.service verified; exposure: $(systemd-analyze security --offline=yes "$TMP/fcreplayd.service" 2>/dev/null | tail -1)"
