#!/bin/sh
# Commit times no calendar holds (old ext3 commit blocks with leftover
# bytes, seconds in the high half): inspect (text and JSON) and
# replay --dry-run must print them, not crash, and the replay must work.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
fx="$FIXTURES/jbd2-4k-plain"        # no journal checksums: times can be changed
unpack "$fx" "$TMP/img"
"$FCREPLAY" inspect --json "$TMP/img" > "$TMP/inspect.json" || fail "inspect exit $?"
# The commit block of every transaction, as a byte offset in the image.
python3 - "$TMP/inspect.json" > "$TMP/commits" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["journal"]["log"]["transactions"]:
    if t["committed"]:
        print(t["first_block"] + t["log_blocks"] - 1)
PY
[ -s "$TMP/commits" ] || fail "no committed transaction in $fx"
bs=$(dumpe2fs -h "$TMP/img" 2> /dev/null | sed -n 's/^Block size: *//p')
times="18446744073709551615 9223372036854775808 9223372036854775807 7575355298987425792 67768036191676800"
i=0
for t in $times; do
        blk=$(sed -n "$((i % $(wc -l < "$TMP/commits") + 1))p" "$TMP/commits")
        phys=$(debugfs -R "bmap <8> $blk" "$TMP/img" 2> /dev/null)
        python3 -c "
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(int(sys.argv[2]) * int(sys.argv[3]) + 0x30)
    f.write(struct.pack('>Q', int(sys.argv[4])))
" "$TMP/img" "$phys" "$bs" "$t"
        i=$((i + 1))
done
for mode in "" --json; do
        rc=0
        "$FCREPLAY" inspect $mode "$TMP/img" > "$TMP/out" 2>&1 || rc=$?
        [ $rc -eq 0 ] || { cat "$TMP/out" >&2; fail "inspect $mode exit $rc"; }
        rc=0
        "$FCREPLAY" replay --dry-run $mode "$TMP/img" > "$TMP/dry" 2>&1 || rc=$?
        [ $rc -eq 0 ] || { cat "$TMP/dry" >&2; fail "replay --dry-run $mode exit $rc"; }
done
"$FCREPLAY" inspect "$TMP/img" > "$TMP/out"
grep -q "committed at 18446744073709551615 s (not a calendar date)" "$TMP/out" ||
        { cat "$TMP/out" >&2; fail "inspect does not show the odd time as a number"; }
"$FCREPLAY" inspect --json "$TMP/img" | grep -q '"commit_sec": *-1\|"commit_sec": *18446744073709551615' ||
        fail "inspect --json does not carry the odd time"
"$FCREPLAY" replay -q "$TMP/img" || fail "replay exit $?"
fsck_clean "$TMP/img"
echo "odd-commit-times: ok"
