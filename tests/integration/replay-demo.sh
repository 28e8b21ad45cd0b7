#!/bin/sh
# The README's demo: replaying the shipped sample leaves a clean filesystem.
. "$top_srcdir/tests/integration/lib.sh"

unpack "$FIXTURES/demo" "$TMP/img"
needs_recovery "$TMP/img" || fail "the sample should need recovery"
"$FCREPLAY" replay "$TMP/img" > "$TMP/out" || fail "replay exit $?"
grep -q "replayed [0-9]* transaction" "$TMP/out" || fail "no replay summary: $(cat "$TMP/out")"
needs_recovery "$TMP/img" && fail "needs_recovery still set"
fsck_clean "$TMP/img"
# A second run has nothing to do.
"$FCREPLAY" replay "$TMP/img" > "$TMP/out2" || fail "second replay exit $?"
grep -q "nothing to do" "$TMP/out2" || fail "second run did something: $(cat "$TMP/out2")"
echo "ok"
