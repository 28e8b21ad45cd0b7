#!/bin/sh
# fcreplay's progress has one unit, filesystem blocks written, and only
# while writing: planning is a phase without a count (it used to show
# "writing fast-commit tags 45/45" while it was still planning).  With -v
# and no terminal it is throttled lines, none twice; on a terminal a bar.
. "$top_srcdir/tests/integration/lib.sh"
export FCREPLAY_PLUGIN_DIR="$top_builddir/plugins"
unpack "$FIXTURES/demo" "$TMP/a.img"
cp "$TMP/a.img" "$TMP/b.img"
cp "$TMP/a.img" "$TMP/c.img"
# The blocks a replay writes home: the jbd2 plan's and the fast-commit result's.
total=$("$FCREPLAY" --json replay --dry-run "$TMP/a.img" |
        python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["blocks_written"] + r["fast_commit"]["blocks_written"])')
[ "$total" -gt 0 ] || fail "no blocks to write in the demo image"

"$FCREPLAY" -v replay "$TMP/a.img" > "$TMP/out" 2> "$TMP/err" || fail "-v replay: exit $?"
cat "$TMP/err"
grep -v "^fcreplay: " "$TMP/err" > "$TMP/progress"
[ "$(grep -cx "$TMP/a.img: planning" "$TMP/progress")" -eq 1 ] || fail "not one 'planning' line"
[ -z "$(sort "$TMP/progress" | uniq -d)" ] || fail "a progress line printed twice"
grep -vx "$TMP/a.img: planning" "$TMP/progress" | grep -vx "$TMP/a.img: writing  *[0-9]*% [0-9]*/$total blocks" &&
        fail "a progress line in another unit or form"
tail -n 1 "$TMP/progress" | grep -qx "$TMP/a.img: writing 100% $total/$total blocks" || fail "the last line is not $total/$total"
[ "$(wc -l < "$TMP/progress")" -le 13 ] || fail "too many progress lines"
# The steps and the progress come in order: planning, planned, writing.
order=$(sed -n -e 's/.*: planning$/planning/p' -e 's/.*\] validated and planned: .*/planned/p' \
        -e 's/.*: writing .*/writing/p' -e 's/.*\] written and flushed$/written/p' "$TMP/err" | uniq | tr '\n' ' ')
[ "$order" = "planning planned writing written " ] || fail "progress out of order with the steps: $order"
echo "progress: -v without a terminal: planning, then $total blocks, each line once"

# Without -v and without a terminal: nothing on stderr, as before.
"$FCREPLAY" replay "$TMP/b.img" > /dev/null 2> "$TMP/err" || fail "replay: exit $?"
[ ! -s "$TMP/err" ] || fail "progress without a terminal or -v: $(cat "$TMP/err")"

# On a terminal (script(1) gives one, where a pseudo-terminal can be
# had: not in a chroot without /dev/pts): the planning phase, then the
# bar in blocks.
if ! command -v script > /dev/null || ! script -qec true /dev/null < /dev/null > /dev/null 2>&1; then
        echo "progress: on a terminal: skipped (no script(1) or no pseudo-terminal here)"
else
        script -qec "\"$FCREPLAY\" replay \"$TMP/c.img\"" /dev/null < /dev/null > "$TMP/tty" 2>&1 || fail "replay on a tty: exit $?"
        grep -q "planning" "$TMP/tty" || fail "no planning phase on a terminal: $(cat -v "$TMP/tty")"
        grep -q "] $TMP/c.img: writing 100% $total/$total blocks" "$TMP/tty" || fail "no bar in blocks: $(cat -v "$TMP/tty")"
        ! grep -q "tags [0-9]" "$TMP/tty" || fail "a count of tags on a terminal: $(cat -v "$TMP/tty")"
        echo "progress: on a terminal, planning then a bar in blocks"
fi
fsck_clean "$TMP/a.img"
