#!/bin/sh
# The plugins are loaded when first needed, once: a start with nothing to
# replay maps none of them (a clean boot runs no plugin code, issue 20);
# the first replay loads the set and every replay forked after it uses
# that set and loads nothing itself.  Proof: the plugin directory is
# emptied after the first replay, and a device attached then is still
# replayed; a reload that cannot use the directory keeps the old set (and
# says so).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty one
dirty two
mkdir -p "$TMP/plugins/tags" "$TMP/plugins/alloc"
for kind in tags alloc; do
        for so in "$top_builddir/plugins/$kind"/*.so; do
                cp -L "$so" "$TMP/plugins/$kind/"
        done
done
chmod -R go-w "$TMP/plugins"
ls "$TMP/plugins/tags"/*.so > /dev/null 2>&1 || fail "no tag plugins were copied from $top_builddir/plugins/tags"
start_daemon "include = LABEL=$LABEL_PREFIX-one LABEL=$LABEL_PREFIX-two" "plugin_dir = $TMP/plugins"
wait_for "$TMP/notify.log" "READY=1" 20
mapped() { grep -c "$TMP/plugins/" "/proc/$DAEMON_PID/maps" || true; }
[ "$(mapped)" -eq 0 ] || fail "fcreplayd mapped $(mapped) plugin file(s) at READY=1 with nothing to replay"
echo "plugins-once: nothing to replay, no plugin loaded at READY=1"

dev=$(losetup -f --show "$TMP/one.img")
wait_for "$TMP/daemon.log" "$dev: replayed" 10
replayed_right "$dev"
[ "$(mapped)" -gt 0 ] || fail "fcreplayd has no plugin mapped after replaying $dev"

# Gone from disk: a replay that loaded its own plugins would fail now.
rm -f "$TMP/plugins/tags"/*.so "$TMP/plugins/alloc"/*.so
# A reload must check the directory again: with no allocator there it
# fails and keeps the configuration, and the set, it has.
kill -HUP "$DAEMON_PID"
wait_for "$TMP/daemon.log" "reload failed, keeping the old configuration" 10
dev2=$(losetup -f --show "$TMP/two.img")
wait_for "$TMP/daemon.log" "$dev2: replayed" 10
replayed_right "$dev2"
stop_daemon
echo "plugins-once: $dev and $dev2 replayed, the second with the plugin directory emptied after the first"
