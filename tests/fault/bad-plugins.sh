#!/bin/sh
# Bad plugins against a real fast-commit image: a tag plugin whose replay
# fails, and (as root) plugins that are not root's or are writable by
# others.  Each must stop the replay with a message and nothing written.
. "$top_srcdir/tests/integration/lib.sh"
failing="$top_builddir/tests/fault/plugins/.libs/failing_inode.so"
[ -f "$failing" ] || fail "$failing is not built"

# A fixture whose fast-commit log has INODE tags.
img=""
for fx in "$FIXTURES"/*/; do
        unpack "$fx" "$TMP/img"
        if "$FCREPLAY" inspect "$TMP/img" | grep -q '^ *\[[0-9]*:[0-9]*\] INODE '; then
                img="$TMP/img"; echo "bad-plugins: using $(basename "$fx")"; break
        fi
done
[ -n "$img" ] || skip "no fixture with fast-commit INODE tags"
before=$(sum "$img")

# A private plugin directory: the real plugins, copied (no symlinks).
plugins() {
        rm -rf "$TMP/p"; mkdir -p "$TMP/p/tags" "$TMP/p/alloc"
        cp -L "$top_builddir"/plugins/tags/*.so "$TMP/p/tags/"
        cp -L "$top_builddir"/plugins/alloc/*.so "$TMP/p/alloc/"
        chmod -R go-w "$TMP/p"
}

# expect_refusal WHAT PATTERN: the replay fails, says PATTERN, writes nothing.
expect_refusal() {
        rc=0
        "$FCREPLAY" replay --plugin-dir "$TMP/p" "$img" 2> "$TMP/err" || rc=$?
        cat "$TMP/err"
        [ "$rc" -ne 0 ] || fail "$1: the replay succeeded"
        grep -q -- "$2" "$TMP/err" || fail "$1: the message does not say '$2'"
        [ "$(sum "$img")" = "$before" ] || fail "$1: the image changed"
        echo "bad-plugins: $1: refused (exit $rc), image unchanged"
}

plugins
rm "$TMP/p/tags/inode.so"
cp "$failing" "$TMP/p/tags/inode.so"
expect_refusal "INODE replay fails" "INODE"

if [ "$(id -u)" -eq 0 ]; then
        plugins
        chmod o+w "$TMP/p/tags/link.so"
        expect_refusal "world-writable plugin" "link.so"
        plugins
        chmod g+w "$TMP/p/alloc"
        expect_refusal "group-writable plugin directory" "alloc"
        plugins
        chown nobody "$TMP/p/tags/creat.so"
        expect_refusal "plugin not owned by root" "creat.so"
else
        echo "bad-plugins: not root: ownership and permission checks not exercised"
fi
