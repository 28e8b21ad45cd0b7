#!/bin/sh
# Issue 23 item 0.5: a plugin directory below a directory a user may
# write.  The user swaps root's plugin directory with one of their own
# (renameat2 RENAME_EXCHANGE in a loop, tests/tools/fcr-exchange) while
# root checks the configuration again and again: the user's library
# (whose constructor leaves a mark) must never be loaded.  The old loader
# checked one path and dlopen()ed it again, and lost within 5 to 31 tries
# here; now the user's directory above is refused outright, and what is
# loaded is the descriptor that was checked.  At most 100 tries and 20 s
# (FCR_RACE_TRIES): about 2 s on an idle machine.
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "not root: the race needs another user"
uid=$(id -u nobody 2> /dev/null) || skip "no user nobody"
exchange="$top_builddir/tests/tools/fcr-exchange"
marker_lib="$top_builddir/tests/unit/plugins/.libs/ctor_marker.so"
[ -x "$exchange" ] && [ -f "$marker_lib" ] || fail "fcr-exchange or ctor_marker.so not built"
tries=${FCR_RACE_TRIES:-100}

# $TMP/user: the user's.  good/: root's plugins, root's alone below it.
# evil/: the user's, the same names, each their library.
chmod 755 "$TMP"
u="$TMP/user"
mkdir -p "$u/good/tags" "$u/good/alloc" "$u/evil/tags" "$u/evil/alloc"
for so in "$top_builddir"/plugins/tags/*.so "$top_builddir"/plugins/alloc/*.so; do
        sub=$(basename "$(dirname "$so")")
        cp -L "$so" "$u/good/$sub/"
        cp "$marker_lib" "$u/evil/$sub/$(basename "$so")"
done
chmod -R go-w "$u/good"
chown -R "$uid" "$u" "$u/evil"
chown -R 0 "$u/good"
export FCR_TEST_PLUGIN_LOG="$TMP/marker" FCREPLAYD_CMDLINE=/dev/null
printf 'plugin_dir = %s\n' "$u/good" > "$TMP/race.conf"

"$exchange" -u "$uid" "$u/good" "$u/evil" 20 > "$TMP/exchange.out" 2>&1 &
pid=$!
i=0 loaded=0
while [ "$i" -lt "$tries" ] && [ ! -s "$TMP/marker" ] && kill -0 "$pid" 2> /dev/null; do
        i=$((i + 1))
        if "$top_builddir/fcreplayd" --check-config --config "$TMP/race.conf" > /dev/null 2> "$TMP/err"; then
                loaded=$((loaded + 1))
        fi
done
kill "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
cat "$TMP/exchange.out"
[ "$i" -ge 10 ] || fail "only $i tries before the exchanges stopped"
[ ! -s "$TMP/marker" ] || fail "try $i: the user's library ran as root ($(cat "$TMP/marker"))"
[ "$loaded" -eq 0 ] || fail "$loaded of $i tries loaded plugins from below a user's directory"
grep -q "refusing plugin directory $u/.*/tags: $u is owned by uid $uid, not root" "$TMP/err" ||
        fail "the refusal does not name the user's directory: $(cat "$TMP/err")"
echo "plugin-race: $i tries against a RENAME_EXCHANGE loop, nothing loaded: $(cat "$TMP/err")"
