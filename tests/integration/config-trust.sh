#!/bin/sh
# Issue 23 item 0.7: configuration files that someone other than root
# could have written are refused as the plugin loader refuses a plugin,
# by fcreplay and fcreplayd alike: exit 64, the message naming the file
# and the reason, nothing written.  Root only: ownership needs another
# user.  The old readers accepted every one of these silently.
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "not root: ownership checks need another user"
uid=$(id -u nobody 2> /dev/null) || skip "no user nobody"
FCREPLAYD="$top_builddir/fcreplayd"
export FCREPLAYD_CMDLINE=/dev/null
unpack "$FIXTURES/demo" "$TMP/a.img"
before=$(sum "$TMP/a.img")
chmod 755 "$TMP"

# refused WHAT CONF PATTERN: both programs exit 64 and say PATTERN.
refused() {
        what=$1 conf=$2 pat=$3
        for prog in fcreplay fcreplayd; do
                rc=0
                if [ $prog = fcreplay ]; then
                        FCREPLAY_CONFIG="$conf" "$FCREPLAY" replay "$TMP/a.img" > "$TMP/out" 2> "$TMP/err" || rc=$?
                else
                        "$FCREPLAYD" --check-config --config "$conf" > "$TMP/out" 2> "$TMP/err" || rc=$?
                fi
                [ $rc -eq 64 ] && grep -q -- "refusing configuration file $conf: $pat" "$TMP/err" ||
                        fail "$prog, $what: exit $rc: $(cat "$TMP/out" "$TMP/err")"
        done
        [ "$(sum "$TMP/a.img")" = "$before" ] || fail "$what: the image changed"
        echo "config-trust: $what: $(head -1 "$TMP/err")"
}

printf 'allocator = kernel\n' > "$TMP/c.conf"
chown "$uid" "$TMP/c.conf"
refused "owned by a user" "$TMP/c.conf" "$TMP/c.conf is owned by uid $uid, not root"
chown 0 "$TMP/c.conf"
chmod 666 "$TMP/c.conf"
refused "world-writable" "$TMP/c.conf" "$TMP/c.conf is group- or world-writable (mode 0666)"
chmod 644 "$TMP/c.conf"

# A symlink to a user's file; root's file behind a symlink in a user's
# directory.
mkdir "$TMP/user"
cp "$TMP/c.conf" "$TMP/user/mine.conf"
chown -R "$uid" "$TMP/user"
ln -s "$TMP/user/mine.conf" "$TMP/link.conf"
refused "symlinked to a user's file" "$TMP/link.conf" "$TMP/user is owned by uid $uid"
ln -s "$TMP/c.conf" "$TMP/user/to-root.conf"
refused "symlink in a user's directory" "$TMP/user/to-root.conf" "$TMP/user is owned by uid $uid"

# plugin_dir in a trusted file naming a directory below a user's.
mkdir -p "$TMP/user/plugins"
cp -rL "$top_builddir/plugins/tags" "$top_builddir/plugins/alloc" "$TMP/user/plugins/"
chown -R 0 "$TMP/user/plugins"
printf 'plugin_dir = %s\n' "$TMP/user/plugins" > "$TMP/c.conf"
rc=0
"$FCREPLAYD" --check-config --config "$TMP/c.conf" > "$TMP/out" 2> "$TMP/err" || rc=$?
[ $rc -eq 64 ] && grep -q "refusing plugin directory $TMP/user/plugins/tags: $TMP/user is owned by uid $uid" "$TMP/err" ||
        fail "plugin_dir below a user's directory: exit $rc: $(cat "$TMP/err")"
echo "config-trust: plugin_dir below a user's directory: $(head -1 "$TMP/err")"

# Root's own file, reached through root's symlink, in a sticky directory: read.
printf 'allocator = goal\n' > "$TMP/c.conf"
ln -s c.conf "$TMP/root-link.conf"
"$FCREPLAYD" --check-config --config "$TMP/root-link.conf" > "$TMP/out" || fail "root's own file refused"
grep -q "^allocator = goal" "$TMP/out" || fail "root's own file not read: $(cat "$TMP/out")"
echo "config-trust: root's own file, through root's symlink: read"
