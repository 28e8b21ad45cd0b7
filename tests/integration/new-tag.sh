#!/bin/sh
# Tag plugins extend the format: fc-plain given one more fast commit with
# a tag the kernel does not define (RENAME, tag 100, announced by HEAD
# feature bit 31; newtag-fixture.py).  With the test plugin that handles
# it, inspect and the dry run describe it through the plugin, the replay
# renames the file and e2fsck finds the result clean; without it, the
# HEAD announces a feature no plugin provides: refused, exit 2, nothing
# written.
. "$top_srcdir/tests/integration/lib.sh"
FCTREE="$top_builddir/tests/tools/fcr-fctree"
PLUGIN="$top_builddir/tests/integration/plugins/.libs/test_rename.so"
[ -f "$PLUGIN" ] || fail "the test plugin was not built: $PLUGIN"
command -v debugfs > /dev/null || skip "no debugfs"

# A plugin directory: the project's plugins and the test one.
mkdir -p "$TMP/plugins/tags" "$TMP/plugins/alloc"
for so in "$top_builddir"/plugins/tags/*.so; do ln -s "$(readlink -f "$so")" "$TMP/plugins/tags/"; done
for so in "$top_builddir"/plugins/alloc/*.so; do ln -s "$(readlink -f "$so")" "$TMP/plugins/alloc/"; done
ln -s "$PLUGIN" "$TMP/plugins/tags/test_rename.so"

unpack "$FIXTURES/fc-plain" "$TMP/src.img"
"$FCREPLAY" inspect --json "$TMP/src.img" > "$TMP/before.json" || fail "inspect of the fixture: exit $?"
# n00012 (ino 15) in the root directory becomes renamed-by-a-new-tag.
python3 "$top_srcdir/tests/integration/newtag-fixture.py" "$TMP/src.img" "$TMP/before.json" 2 15 \
        n00012 renamed-by-a-new-tag || fail "cannot make the fixture"

# Without the plugin: refused, nothing written.
cp --sparse=always "$TMP/src.img" "$TMP/img"
rc=0
"$FCREPLAY" replay "$TMP/img" > "$TMP/out" 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "without the plugin: exit $rc, not 2: $(cat "$TMP/err")"
grep -q "features 0x80000000" "$TMP/err" || fail "without the plugin: $(cat "$TMP/err")"
grep -q "nothing written" "$TMP/err" || fail "without the plugin: $(cat "$TMP/err")"
cmp -s "$TMP/src.img" "$TMP/img" || fail "without the plugin, the image changed"
rc=0
"$FCREPLAY" replay --json "$TMP/img" > "$TMP/out.json" 2> /dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "without the plugin, --json: exit $rc"
grep -q '"written": *false' "$TMP/out.json" || fail "without the plugin, --json: $(cat "$TMP/out.json")"
cmp -s "$TMP/src.img" "$TMP/img" || fail "without the plugin, the image changed"

# With it: described by the plugin, replayed.
export FCREPLAY_PLUGIN_DIR="$TMP/plugins"
"$FCREPLAY" inspect "$TMP/img" > "$TMP/inspect" || fail "inspect with the plugin: exit $?"
grep -q "RENAME    dir 2, ino 15: 'n00012' -> 'renamed-by-a-new-tag'" "$TMP/inspect" ||
        fail "inspect does not describe the tag: $(grep -n RENAME "$TMP/inspect")"
"$FCREPLAY" inspect --json "$TMP/img" > "$TMP/inspect.json" || fail "inspect --json: exit $?"
python3 - "$TMP/inspect.json" <<'PY' || fail "inspect --json does not describe the tag"
import json, sys
tags = json.load(open(sys.argv[1]))["journal"]["fast_commit"]["tags"]
t = [t for t in tags if t["tag"] == "RENAME"]
assert len(t) == 1 and t[0]["committed"] and t[0]["tag_number"] == 100, t
assert t[0]["old_name"] == "n00012" and t[0]["name"] == "renamed-by-a-new-tag" and t[0]["ino"] == 15, t
PY
"$FCREPLAY" replay --dry-run "$TMP/img" > "$TMP/dry" || fail "dry run with the plugin: exit $?"
grep -q "1 RENAME" "$TMP/dry" || fail "the dry run does not count the tag: $(cat "$TMP/dry")"
grep -q "RENAME: 'renamed-by-a-new-tag' -> ino 15 added to dir 2; 'n00012' -> ino 15 removed from dir 2" "$TMP/dry" ||
        fail "the dry run's plan: $(cat "$TMP/dry")"
cmp -s "$TMP/src.img" "$TMP/img" || fail "the dry run changed the image"
"$FCREPLAY" replay "$TMP/img" > "$TMP/out" || fail "replay with the plugin: exit $?"
needs_recovery "$TMP/img" && fail "needs_recovery still set"
fsck_clean "$TMP/img"
"$FCTREE" "$TMP/img" | sort > "$TMP/got.tree" || fail "fcr-fctree exit $?"
sed 's/^n00012 /renamed-by-a-new-tag /' "$FIXTURES/fc-plain/expected.tree" | sort > "$TMP/want.tree"
diff -u "$TMP/want.tree" "$TMP/got.tree" >&2 || fail "the tree is not the kernel's with the file renamed"
echo "new-tag: refused without the plugin, replayed with it"
