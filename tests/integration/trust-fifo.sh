#!/bin/sh
# Issues 23 items 0.5 and 0.7: a FIFO where a plugin or a configuration
# file is expected is refused at once, by type; it used to block the
# open for ever (fcreplayd --check-config and daemon start hung).  Each
# run is bounded by timeout(1); any user may run this.
. "$top_srcdir/tests/integration/lib.sh"
FCREPLAYD="$top_builddir/fcreplayd"
export FCREPLAYD_CMDLINE=/dev/null
unpack "$FIXTURES/demo" "$TMP/a.img"
before=$(sum "$TMP/a.img")

# bounded WANT PATTERN WHAT CMD...: exit WANT within 20 s, PATTERN on stderr.
bounded() {
        want=$1 pat=$2 what=$3
        shift 3
        rc=0
        timeout 20 "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -ne 124 ] || fail "$what: still blocked after 20 s"
        [ $rc -eq "$want" ] && grep -q -- "$pat" "$TMP/err" || fail "$what: exit $rc: $(cat "$TMP/err")"
        echo "trust-fifo: $what: exit $rc: $(head -1 "$TMP/err")"
}

mkfifo "$TMP/fifo.conf"
FCREPLAY_CONFIG="$TMP/fifo.conf" bounded 64 "$TMP/fifo.conf is a FIFO, not a regular file" \
        "fcreplay, FIFO as \$FCREPLAY_CONFIG" "$FCREPLAY" replay "$TMP/a.img"
bounded 64 "$TMP/fifo.conf is a FIFO, not a regular file" "fcreplayd --check-config, FIFO as --config" \
        "$FCREPLAYD" --check-config --config "$TMP/fifo.conf"

mkdir -p "$TMP/p"
cp -rL "$top_builddir/plugins/tags" "$top_builddir/plugins/alloc" "$TMP/p/"
mkfifo "$TMP/p/tags/zz.so"
printf 'plugin_dir = %s\n' "$TMP/p" > "$TMP/c.conf"
bounded 64 "$TMP/p/tags/zz.so is a FIFO, not a regular file" "fcreplayd --check-config, FIFO in tags/" \
        "$FCREPLAYD" --check-config --config "$TMP/c.conf"
bounded 3 "$TMP/p/tags/zz.so is a FIFO" "fcreplay -P, FIFO in tags/" "$FCREPLAY" -P "$TMP/p" replay "$TMP/a.img"
[ "$(sum "$TMP/a.img")" = "$before" ] || fail "the image changed"
