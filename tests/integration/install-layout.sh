#!/bin/sh
# What "make install" ships: no engine library (it is a convenience
# library linked into each program; nothing installed links a
# libfcreplay), and only the headers a plugin needs, <fcreplay/plugin.h>
# and <fcreplay/bytes.h>, enough to build a third-party plugin with no
# other path into this tree.
. "$top_srcdir/tests/integration/lib.sh"
command -v readelf > /dev/null || skip "no readelf (binutils)"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" --quiet install DESTDIR="$TMP/stage" \
        > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log" >&2; fail "make install DESTDIR=$TMP/stage"; }

libs=$(find "$TMP/stage" -name 'libfcreplay*')
[ -z "$libs" ] || fail "the engine library is installed: $libs"

inc=$(find "$TMP/stage" -type d -path '*/include/fcreplay')
[ -n "$inc" ] || fail "no include/fcreplay installed"
got=$(cd "$inc" && ls | tr '\n' ' ')
[ "$got" = "bytes.h plugin.h " ] || fail "installed headers: '$got', expected only bytes.h plugin.h"

# Nothing installed needs a libfcreplay.
n=0
for f in $(find "$TMP/stage" -type f \( -perm -u+x -o -name '*.so' \)); do
        readelf -h "$f" > /dev/null 2>&1 || continue
        readelf -d "$f" | grep -q 'NEEDED.*libfcreplay' && fail "${f#"$TMP/stage"} needs libfcreplay"
        n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n ELF files installed"

# A plugin builds from the installed headers alone (and libext2fs's).
cc=${CC:-cc}
command -v "$cc" > /dev/null || skip "no C compiler ($cc)"
# -I first: the staged headers win over any copy in the system's.
$cc -shared -fPIC -Wall -Wextra -Werror -I"$(dirname "$inc")" \
        -o "$TMP/test_rename.so" "$top_srcdir/tests/integration/plugins/test_rename.c" 2> "$TMP/cc.out" ||
        { cat "$TMP/cc.out" >&2; fail "a plugin does not build from the installed headers"; }
echo "install-layout: no libfcreplay installed or needed by $n ELF files; headers: $got; a plugin builds from them"
