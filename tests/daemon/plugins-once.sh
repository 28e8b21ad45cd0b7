#!/bin/sh
# The plugins are loaded once, with the configuration: the replays the
# daemon forks use that set and load nothing themselves.  Proof: the
# plugin directory is emptied after start, and a device attached then is
# still replayed; a reload that cannot load the directory keeps the old
# set (and says so), and replays still work.
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
# Gone from disk: a replay that loaded its own plugins would fail now.
rm -f "$TMP/plugins/tags"/*.so "$TMP/plugins/alloc"/*.so
dev=$(losetup -f --show "$TMP/one.img")
wait_for "$TMP/daemon.log" "$dev: replayed" 10
replayed_right "$dev"
# A reload must load the directory again: with no allocator there it fails
# and keeps the set it has.
kill -HUP "$DAEMON_PID"
wait_for "$TMP/daemon.log" "reload failed, keeping the old configuration" 10
dev2=$(losetup -f --show "$TMP/two.img")
wait_for "$TMP/daemon.log" "$dev2: replayed" 10
replayed_right "$dev2"
stop_daemon
echo "plugins-once: $dev and $dev2 replayed with the plugin directory emptied after start"
