#!/bin/sh
# fcreplay -v prints each step on stderr with the time since start, and the
# report gives the elapsed time: "elapsed: N s" in text, "elapsed_usec" in
# JSON (a dry run too).
. "$top_srcdir/tests/integration/lib.sh"
export FCREPLAY_PLUGIN_DIR="$top_builddir/plugins"
unpack "$FIXTURES/demo" "$TMP/a.img"
cp "$TMP/a.img" "$TMP/b.img"
"$FCREPLAY" -v replay --dry-run "$TMP/a.img" > "$TMP/out" 2> "$TMP/err" || fail "-v --dry-run: exit $?"
cat "$TMP/err"
grep -q "^fcreplay: $TMP/a.img: \[[0-9.]* s\] opened read-only$" "$TMP/err" || fail "-v: no step for the open"
grep -q "\] validated and planned: replay, 32 transaction(s), 12 fast commit(s), allocator kernel$" "$TMP/err" ||
        fail "-v: no step for the plan"
grep -q "^  elapsed: [0-9]*\.[0-9]\{3\} s$" "$TMP/out" || fail "no elapsed time in the text report: $(cat "$TMP/out")"
"$FCREPLAY" -v replay "$TMP/a.img" > "$TMP/out" 2> "$TMP/err" || fail "-v replay: exit $?"
grep -q "\] written and flushed$" "$TMP/err" || fail "-v: no step for the write: $(cat "$TMP/err")"
grep -q "^  elapsed: " "$TMP/out" || fail "no elapsed time after a replay"
"$FCREPLAY" --json replay "$TMP/b.img" 2> "$TMP/err" > "$TMP/json" || fail "--json replay: exit $?"
[ ! -s "$TMP/err" ] || fail "--json without -v wrote to stderr: $(cat "$TMP/err")"
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r["elapsed_usec"], int) and r["elapsed_usec"] > 0, r.get("elapsed_usec")
print("verbose: elapsed_usec", r["elapsed_usec"])' "$TMP/json" || fail "no elapsed_usec in the JSON report"
