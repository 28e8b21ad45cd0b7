#!/bin/sh
# fcreplay inspect runs the validation of replay: a flipped byte in a
# logged block, a corrupt commit block and a truncated image are refused
# by both with the same message and exit status, and inspect prints no
# decoded state before the error.
. "$top_srcdir/tests/integration/lib.sh"
unpack "$FIXTURES/demo" "$TMP/good.img"
bs=$(dumpe2fs -h "$TMP/good.img" 2>/dev/null | sed -n 's/^Block size: *//p')
"$FCREPLAY" inspect --json "$TMP/good.img" > "$TMP/good.json" || fail "inspect of the good image: exit $?"
# journal_offset LOG_BLOCK: byte offset in the image of a journal block.
journal_offset() { echo $(( $(debugfs -R "bmap <8> $1" "$TMP/good.img" 2>/dev/null) * bs )); }
set -- $(python3 -c 'import json, sys
l = json.load(open(sys.argv[1]))["journal"]["log"]
t = [t for t in l["transactions"] if t["committed"] and t["blocks"]][0]
print(t["blocks"][0]["log_block"], t["first_block"] + t["log_blocks"] - 1)' "$TMP/good.json")
data_block=$1 commit_block=$2

# same WHAT IMAGE: replay and inspect (text and JSON) exit 2 (or 3) alike,
# with one message, and inspect prints nothing on stdout.
same() {
        rc1=0 rc2=0
        "$FCREPLAY" replay "$2" > /dev/null 2> "$TMP/replay.err" || rc1=$?
        "$FCREPLAY" inspect "$2" > "$TMP/inspect.out" 2> "$TMP/inspect.err" || rc2=$?
        [ $rc1 -ne 0 ] || fail "$1: replay accepted it"
        [ $rc1 -eq $rc2 ] || fail "$1: replay exit $rc1, inspect exit $rc2: $(cat "$TMP/inspect.err")"
        diff "$TMP/replay.err" "$TMP/inspect.err" >&2 || fail "$1: replay and inspect say different things"
        [ ! -s "$TMP/inspect.out" ] || fail "$1: inspect printed state before the error: $(head -3 "$TMP/inspect.out")"
        echo "inspect-validates: $1: both exit $rc1: $(cat "$TMP/inspect.err")"
}

cp "$TMP/good.img" "$TMP/flip.img"
off=$(( $(journal_offset "$data_block") + 100 ))
printf '\377' | dd of="$TMP/flip.img" bs=1 seek=$off conv=notrunc status=none
same "one byte flipped in logged block $data_block" "$TMP/flip.img"

cp "$TMP/good.img" "$TMP/commit.img"
off=$(( $(journal_offset "$commit_block") + 60 ))
printf '\377\377\377\377' | dd of="$TMP/commit.img" bs=1 seek=$off conv=notrunc status=none
same "corrupt commit block $commit_block" "$TMP/commit.img"

cp "$TMP/good.img" "$TMP/short.img"
truncate -s $(( $(stat -c %s "$TMP/good.img") / 2 )) "$TMP/short.img"
same "truncated image" "$TMP/short.img"
