#!/bin/sh
# The allocators the bus lists are the ones replays use: the set the
# daemon's configuration loaded (plugins are loaded once, before replays
# fork).  The plugin host refuses an allocator plugin whose name is not
# its file's: a copy of goal.so installed as fast.so after start is neither
# listed nor accepted, and the reload that would load it fails naming the
# file and keeps the loaded set.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
mkdir -p "$TMP/p/tags" "$TMP/p/alloc"
cp -L "$top_builddir"/plugins/tags/*.so "$TMP/p/tags/"
cp -L "$top_builddir"/plugins/alloc/*.so "$TMP/p/alloc/"
start_bus
start_daemon "plugin_dir = $TMP/p" "include = LABEL=$LABEL_PREFIX-none" "auto_replay = no"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

"$CTL" list-allocators > "$TMP/list.out" || fail "list-allocators: exit $?"
[ "$(cat "$TMP/list.out")" = "$(printf 'goal\nkernel (current)')" ] || fail "list-allocators: $(cat "$TMP/list.out")"
echo "allocators: goal and kernel listed"

cp "$TMP/p/alloc/goal.so" "$TMP/p/alloc/fast.so"
"$CTL" list-allocators > "$TMP/list.out" || fail "list-allocators after fast.so: exit $?"
[ "$(cat "$TMP/list.out")" = "$(printf 'goal\nkernel (current)')" ] || fail "list-allocators after fast.so: $(cat "$TMP/list.out")"
rc=0
"$CTL" set-allocator fast 2> "$TMP/err" || rc=$?
[ $rc -ne 0 ] && grep -q "no allocator plugin named 'fast'" "$TMP/err" ||
        fail "set-allocator fast: exit $rc: $(cat "$TMP/err")"
kill -HUP "$DAEMON_PID"
wait_for "$TMP/daemon.log" "reload failed, keeping the old configuration: .*fast.so calls itself 'goal'" 10
rc=0
"$FCREPLAYD" --check-config --config "$TMP/fcreplayd.conf" > /dev/null 2> "$TMP/err" || rc=$?
[ $rc -ne 0 ] && grep -q "fast.so calls itself 'goal'" "$TMP/err" ||
        fail "--check-config with a misnamed plugin: exit $rc: $(cat "$TMP/err")"
echo "allocators: a plugin not named as its file is refused, naming the file; the loaded set stays"

rm "$TMP/p/alloc/fast.so"
"$CTL" set-allocator goal > /dev/null || fail "set-allocator goal: exit $?"
"$CTL" list-allocators | grep -qx "goal (current)" || fail "goal is not current"
echo "allocators: set-allocator takes a listed name"
stop_daemon
