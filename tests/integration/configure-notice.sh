#!/bin/sh
# configure's closing notice: with the default prefix (/usr/local) the
# initramfs-tools hook, the dracut module and the D-Bus policy land where
# initramfs-tools, dracut and dbus do not look; configure names each one
# left there (not those given explicitly) and the configure line for a
# system install, and says nothing with --prefix=/usr.  Run on a copy of
# configure (--no-create: only the checks, no Makefile).
. "$top_srcdir/tests/integration/lib.sh"
[ -x "$top_srcdir/configure" ] || skip "no configure in $top_srcdir"
mkdir -p "$TMP/src/lib"
cp "$top_srcdir/configure" "$TMP/src/"
cp -R "$top_srcdir/build-aux" "$TMP/src/"
cp "$top_srcdir/lib/engine.c" "$TMP/src/lib/"

# run NAME ARGS: configure's stderr in $TMP/NAME.err.
run() {
        n_=$1
        shift
        (cd "$TMP/src" && env -u MAKEFLAGS ./configure -q --no-create "$@" > /dev/null 2> "$TMP/$n_.err") ||
                { cat "$TMP/$n_.err" "$TMP/src/config.log" >&2; fail "configure $* failed"; }
        sed "s/^/    $n_: /" "$TMP/$n_.err"
}

# The dracut directory given: only the others are named.
run default --with-dracutmodulesdir=/usr/lib/dracut/modules.d
grep -q "WARNING: prefix /usr/local: " "$TMP/default.err" || fail "no notice with the default prefix"
grep -q "initramfs-tools hook and boot script: /usr/local/share/initramfs-tools" "$TMP/default.err" ||
        fail "the initramfs-tools directory is not named"
grep -q "D-Bus policy (dbus-1/system.d): /usr/local/share/dbus-1/system.d" "$TMP/default.err" ||
        fail "the D-Bus policy directory is not named"
grep -q "dracut" "$TMP/default.err" && fail "the dracut directory was given, yet named"
grep -q -- "--prefix=/usr --sysconfdir=/etc" "$TMP/default.err" || fail "the notice gives no configure line"
grep -q "error" "$TMP/default.err" && fail "the notice is an error"

run system --prefix=/usr --sysconfdir=/etc
[ ! -s "$TMP/system.err" ] || fail "configure --prefix=/usr warned"
echo "configure-notice: named with the default prefix, silent with --prefix=/usr"
