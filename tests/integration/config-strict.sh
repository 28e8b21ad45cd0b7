#!/bin/sh
# Configuration strictness, for fcreplay and fcreplayd --check-config: a
# file named explicitly must exist; an allocator that does not exist and
# an empty UUID= or LABEL= are errors naming file and line (exit 64); the
# kernel command line's overrides are applied and checked; '#' after a
# blank starts a comment.
. "$top_srcdir/tests/integration/lib.sh"
FCREPLAYD="$top_builddir/fcreplayd"
export FCREPLAYD_CMDLINE=/dev/null
unpack "$FIXTURES/demo" "$TMP/a.img"
sum=$(sha256sum < "$TMP/a.img")

# expect64 WHAT PATTERN CMD...: exit 64, PATTERN on stderr.
expect64() {
        what=$1 pat=$2
        shift 2
        rc=0
        "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq 64 ] && grep -q -- "$pat" "$TMP/err" || fail "$what: exit $rc: $(cat "$TMP/out" "$TMP/err")"
        echo "config-strict: $what: $(head -1 "$TMP/err")"
}

# 1. A file named explicitly that does not exist.
FCREPLAY_CONFIG="$TMP/nope.conf" expect64 "fcreplay, \$FCREPLAY_CONFIG missing" "$TMP/nope.conf" \
        "$FCREPLAY" replay "$TMP/a.img"
expect64 "fcreplayd --config missing" "$TMP/nope.conf" "$FCREPLAYD" --check-config --config "$TMP/nope.conf"
FCREPLAYD_CONFIG="$TMP/nope.conf" expect64 "fcreplayd, \$FCREPLAYD_CONFIG missing" "$TMP/nope.conf" \
        "$FCREPLAYD" --check-config

# 2. An allocator that does not exist: file and line.
printf '# settings\nallocator = nope\n' > "$TMP/bad.conf"
FCREPLAY_CONFIG="$TMP/bad.conf" expect64 "fcreplay, allocator = nope" "bad.conf:2: no allocator plugin named 'nope'" \
        "$FCREPLAY" replay "$TMP/a.img"
expect64 "fcreplayd --check-config, allocator = nope" "bad.conf:2: no allocator plugin named 'nope'" \
        "$FCREPLAYD" --check-config --config "$TMP/bad.conf"

# 3. Empty UUID= and LABEL=.
for p in UUID= LABEL=; do
        printf 'include = /dev/vd* %s\n' "$p" > "$TMP/bad.conf"
        expect64 "include = $p" "bad.conf:1: include: '$p' names no" "$FCREPLAYD" --check-config --config "$TMP/bad.conf"
done

# 4. The kernel command line: applied, checked, shown.
printf 'allocator = kernel\n' > "$TMP/ok.conf"
echo "quiet fcreplay.allocator=nope" > "$TMP/cmdline"
FCREPLAYD_CMDLINE="$TMP/cmdline" expect64 "fcreplay.allocator=nope" "cmdline: fcreplay.allocator=: no allocator plugin named 'nope'" \
        "$FCREPLAYD" --check-config --config "$TMP/ok.conf"
echo "fcreplay.mode=skip fcreplay.allocator=goal" > "$TMP/cmdline"
FCREPLAYD_CMDLINE="$TMP/cmdline" "$FCREPLAYD" --check-config --config "$TMP/ok.conf" > "$TMP/out" ||
        fail "--check-config with a good command line: exit $?"
grep -q "^allocator = goal" "$TMP/out" && grep -q "^auto_replay = no.*fcreplay.mode=skip" "$TMP/out" ||
        fail "--check-config does not show the command line's settings: $(cat "$TMP/out")"
echo "config-strict: --check-config applies the kernel command line"

[ "$(sha256sum < "$TMP/a.img")" = "$sum" ] || fail "a refused run wrote to the image"

# 5. '#' after a blank starts a comment, in both files.
printf 'allocator = goal # the other one\nparallel = 2 # two at once\n' > "$TMP/c.conf"
"$FCREPLAYD" --check-config --config "$TMP/c.conf" > "$TMP/out" || fail "comment after a value: exit $?"
grep -q "^allocator = goal " "$TMP/out" && grep -q "^parallel = 2$" "$TMP/out" || fail "comments: $(cat "$TMP/out")"
printf 'allocator = goal # the other one\n' > "$TMP/c.conf"
FCREPLAY_CONFIG="$TMP/c.conf" "$FCREPLAY" --json replay "$TMP/a.img" > "$TMP/out" || fail "fcreplay with a comment: exit $?"
grep -q '"allocator": *"goal"' "$TMP/out" || fail "fcreplay did not use goal: $(cat "$TMP/out")"
echo "config-strict: comments after values"

# 6. One plugin-directory order for fcreplay and fcreplayd (issue 21):
# --plugin-dir, then plugin_dir in the configuration, then
# $FCREPLAY_PLUGIN_DIR, then the built-in directory.  The directories
# differ in their allocators, which the error lists.
sum=$(sha256sum < "$TMP/a.img")
mkdir -p "$TMP/conf-p/tags" "$TMP/conf-p/alloc" "$TMP/opt-p/tags" "$TMP/opt-p/alloc"
cp -L "$top_builddir"/plugins/tags/*.so "$TMP/conf-p/tags/"
cp -L "$top_builddir"/plugins/tags/*.so "$TMP/opt-p/tags/"
cp -L "$top_builddir/plugins/alloc/goal.so" "$TMP/conf-p/alloc/"
cp -L "$top_builddir/plugins/alloc/kernel.so" "$TMP/opt-p/alloc/"
printf 'plugin_dir = %s\nallocator = nope\n' "$TMP/conf-p" > "$TMP/p.conf"
FCREPLAY_CONFIG="$TMP/p.conf" expect64 "fcreplay: the configuration over \$FCREPLAY_PLUGIN_DIR" \
        "in $TMP/conf-p/alloc (available: goal)" "$FCREPLAY" replay "$TMP/a.img"
expect64 "fcreplayd: the configuration over \$FCREPLAY_PLUGIN_DIR" "in $TMP/conf-p/alloc (available: goal)" \
        "$FCREPLAYD" --check-config --config "$TMP/p.conf"
FCREPLAY_CONFIG="$TMP/p.conf" expect64 "fcreplay: --plugin-dir over the configuration" \
        "in $TMP/opt-p/alloc (available: kernel)" "$FCREPLAY" --plugin-dir "$TMP/opt-p" replay "$TMP/a.img"
printf 'allocator = nope\n' > "$TMP/p.conf"
FCREPLAY_CONFIG="$TMP/p.conf" FCREPLAY_PLUGIN_DIR="$TMP/conf-p" expect64 "fcreplay: \$FCREPLAY_PLUGIN_DIR without plugin_dir" \
        "in $TMP/conf-p/alloc (available: goal)" "$FCREPLAY" replay "$TMP/a.img"
[ "$(sha256sum < "$TMP/a.img")" = "$sum" ] || fail "a refused run wrote to the image"
