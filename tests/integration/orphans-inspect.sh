#!/bin/sh
# inspect keeps the orphans on disk apart from those the journal replay
# leaves (read from the log's copy of the superblock): with the on-disk
# list head cleared on a copy of orphan-list-4k, "on disk now" shows no
# list head 29, the after-replay section does, and the JSON says
# would_release, never released.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
unpack "$FIXTURES/orphan-list-4k" "$TMP/img"
head=$(dumpe2fs -h "$TMP/img" 2> /dev/null | sed -n 's/^First orphan inode: *//p')
[ "$head" = 29 ] || fail "orphan-list-4k: on-disk list head is '$head', not 29"
debugfs -w -R "ssv last_orphan 0" "$TMP/img" > /dev/null 2>&1
dumpe2fs -h "$TMP/img" 2> /dev/null | grep -q "^First orphan inode" && fail "could not clear the list head"

"$FCREPLAY" inspect "$TMP/img" > "$TMP/inspect" || fail "inspect exit $?"
grep -q "on disk now.*list head 29" "$TMP/inspect" && { cat "$TMP/inspect" >&2; fail "inspect shows the replay's list head as on disk"; }
grep -q "^Orphans after the journal replay (a replay would release them): list head 29" "$TMP/inspect" ||
        { cat "$TMP/inspect" >&2; fail "inspect does not show the orphans after the replay"; }
"$FCREPLAY" inspect --json "$TMP/img" > "$TMP/inspect.json" || fail "inspect --json exit $?"
python3 - "$TMP/inspect.json" <<'PY' || fail "inspect --json mixes the on-disk orphans with the plan"
import json, sys
o = json.load(open(sys.argv[1]))
assert "orphans" not in o or o["orphans"]["list_head"] == 0, o.get("orphans")
a = o["orphans_after_replay"]
assert a["list_head"] == 29 and a["would_release"] is True and "released" not in a, a
assert [i["ino"] for i in a["inodes"]][:1] == [29], a
PY

# Unchanged: the on-disk list of the fixture as it is, with its one
# linked orphan (29 is unlinked only by the log).
unpack "$FIXTURES/orphan-list-4k" "$TMP/img"
"$FCREPLAY" inspect "$TMP/img" > "$TMP/inspect" || fail "inspect exit $?"
grep -q "^Orphans on disk now (before the journal replay): list head 29" "$TMP/inspect" ||
        { cat "$TMP/inspect" >&2; fail "inspect does not show the on-disk list"; }
grep -A1 "^Orphans on disk now" "$TMP/inspect" | grep -q "ino 29 (list): 1 links, size 281225: truncate" ||
        fail "inspect does not show inode 29 as on disk"
echo "orphans-inspect: ok"
