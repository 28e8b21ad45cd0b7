#!/bin/sh
# A journal inode damaged in the inode table (debugfs clri: mode, links,
# size and map zeroed) on shipped crash images: the journal is read
# through the superblock's backup of the inode (s_jnl_blocks), the replay
# gives the kernel's tree, e2fsck -fn is clean, and the inode is the
# original again.  In fc-ns-1k the replay itself restores the inode from
# the backup; in demo a logged copy of its inode-table block brings it
# back.  When the backup is damaged too, the image is refused and left
# unchanged byte for byte.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
FCTREE="$top_builddir/tests/tools/fcr-fctree"

# The inode as debugfs shows it, but for its times and checksum.
jinode() { debugfs -R "stat <8>" "$1" 2> /dev/null | grep -E "^(Inode:|Links|User|EXTENTS|\()"; }

for name in fc-ns-1k demo; do
        fx="$FIXTURES/$name"
        unpack "$fx" "$TMP/orig.img"
        jinode "$TMP/orig.img" > "$TMP/want.inode"
        cp --sparse=always "$TMP/orig.img" "$TMP/img"
        debugfs -w -R "clri <8>" "$TMP/img" > /dev/null 2>&1
        jinode "$TMP/img" | grep -q "Links: 0" || fail "$name: clri did not damage the journal inode"
        cp --sparse=always "$TMP/img" "$TMP/damaged.img"

        "$FCREPLAY" inspect "$TMP/img" > "$TMP/inspect" || fail "$name: inspect exit $?"
        grep -q "journal read through the superblock's backup of its inode: journal inode 8 is not a regular in-use file" \
                "$TMP/inspect" || { cat "$TMP/inspect" >&2; fail "$name: inspect does not say it used the backup"; }
        "$FCREPLAY" replay --dry-run "$TMP/img" > "$TMP/dry" || fail "$name: --dry-run exit $?"
        cmp -s "$TMP/img" "$TMP/damaged.img" || fail "$name: --dry-run or inspect changed the image"

        "$FCREPLAY" replay --json "$TMP/img" > "$TMP/out.json" || fail "$name: replay exit $?"
        python3 - "$TMP/out.json" "$name" <<'PY' || fail "$name: the JSON report does not say it used the backup"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["filesystem"]["journal_map"] == "superblock_backup", o
assert "not a regular in-use file" in o["filesystem"]["journal_inode_damage"], o
# fc-ns-1k: the inode table block of inode 8 is not in the log.
assert o["journal_inode_restored"] == (sys.argv[2] == "fc-ns-1k"), o
PY
        needs_recovery "$TMP/img" && fail "$name: needs_recovery still set"
        fsck_clean "$TMP/img"
        "$FCTREE" "$TMP/img" > "$TMP/got.tree" || fail "$name: fcr-fctree exit $?"
        diff -u "$fx/expected.tree" "$TMP/got.tree" >&2 || fail "$name: the tree differs from the kernel's replay"
        jinode "$TMP/img" > "$TMP/got.inode"
        diff -u "$TMP/want.inode" "$TMP/got.inode" >&2 || fail "$name: the journal inode is not the original"
        cp "$TMP/img" "$TMP/once.img"
        "$FCREPLAY" replay "$TMP/img" > "$TMP/out2" || fail "$name: second run exit $?"
        grep -q "nothing to do" "$TMP/out2" || fail "$name: the second run did something: $(cat "$TMP/out2")"
        cmp -s "$TMP/once.img" "$TMP/img" || fail "$name: the second run changed the image"
        echo "journal-backup: $name: ok"
done

# The dry run names the restore; then the backup damaged as well: no
# backup, a map that is no extent header (a hole at block 0), a map that
# leads to no journal superblock, a size too small.  Refused, unchanged.
grep -q "the inode would be restored from it" "$TMP/dry" && fail "demo: the dry run would restore an inode the log restores"
unpack "$FIXTURES/fc-ns-1k" "$TMP/base.img"
debugfs -w -R "clri <8>" "$TMP/base.img" > /dev/null 2>&1
"$FCREPLAY" replay --dry-run "$TMP/base.img" | grep -q "the inode would be restored from it" ||
        fail "fc-ns-1k: the dry run does not show the restore"
start=$(dumpe2fs -h "$TMP/base.img" 2> /dev/null | sed -n 's/^Journal backup: *//p')
[ "$start" = "inode blocks" ] || fail "fc-ns-1k: no journal backup in the superblock"
for damage in "jnl_backup_type 0" "jnl_blocks[0] 0" "jnl_blocks[5] 0x2083" "jnl_blocks[16] 4096"; do
        cp --sparse=always "$TMP/base.img" "$TMP/img"
        debugfs -w -R "ssv $damage" "$TMP/img" > /dev/null 2>&1
        cp --sparse=always "$TMP/img" "$TMP/before.img"
        rc=0
        "$FCREPLAY" replay "$TMP/img" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ "$rc" -eq 2 ] || fail "$damage: exit $rc, not 2 (refused): $(cat "$TMP/err")"
        grep -q "journal inode 8 is not a regular in-use file, and the superblock's backup of it cannot stand in" "$TMP/err" ||
                fail "$damage: the refusal does not explain: $(cat "$TMP/err")"
        cmp -s "$TMP/img" "$TMP/before.img" || fail "$damage: the refused replay changed the image"
        echo "journal-backup: backup damaged ($damage): refused: $(cat "$TMP/err")"
done

# Like e2fsprogs' f_journal (fixture journal-old-sb, see
# tests/crashgen/make-old-sb-fixture.sh): the journal is found through the
# on-disk superblock's backup, but the superblock in the log has none
# (type 0), and the log brings the journal inode back.  The inode is
# checked before the replayed backup: replay, --dry-run and inspect work.
fx="$FIXTURES/journal-old-sb"
unpack "$fx" "$TMP/old.img"
"$FCREPLAY" inspect "$TMP/old.img" > "$TMP/inspect" 2> "$TMP/err" || fail "journal-old-sb: inspect exit $?: $(cat "$TMP/err")"
"$FCREPLAY" replay --dry-run "$TMP/old.img" > "$TMP/dry" 2> "$TMP/err" || fail "journal-old-sb: --dry-run exit $?: $(cat "$TMP/err")"
"$FCREPLAY" replay "$TMP/old.img" > "$TMP/out" 2> "$TMP/err" || fail "journal-old-sb: replay exit $?: $(cat "$TMP/err")"
grep -q "the journal replay brought the inode back" "$TMP/out" || { cat "$TMP/out" >&2; fail "journal-old-sb: the report does not say the log restored the inode"; }
grep -q "orphans: released 6: 6 deleted" "$TMP/out" || { cat "$TMP/out" >&2; fail "journal-old-sb: the orphans were not released"; }
fsck_clean "$TMP/old.img"
# The log's superblock (no backup) went home with the backup kept: a cut
# after it would otherwise leave nothing to find the journal by
# (tests/fault/powercut.sh cuts there).
dumpe2fs -h "$TMP/old.img" 2> /dev/null | grep -q "^Journal backup: *inode blocks" ||
        fail "journal-old-sb: the superblock lost its journal backup"
"$FCTREE" "$TMP/old.img" > "$TMP/got.tree" || fail "journal-old-sb: fcr-fctree exit $?"
diff -u "$fx/expected.tree" "$TMP/got.tree" >&2 || fail "journal-old-sb: the tree differs from the kernel's replay"
echo "journal-backup: journal-old-sb: ok"

# A clean journal with a damaged journal inode (clri after a replay): the
# kernel will not mount it (EUCLEAN); replay and --dry-run refuse (exit 2,
# run e2fsck) and write nothing; inspect shows the damage.
unpack "$FIXTURES/demo" "$TMP/clean.img"
"$FCREPLAY" replay "$TMP/clean.img" > /dev/null || fail "clean: first replay exit $?"
debugfs -w -R "clri <8>" "$TMP/clean.img" > /dev/null 2>&1
for mode in "replay" "replay --dry-run"; do
        expect 2 "the journal is clean, but journal inode 8 is not a regular in-use file .*Run e2fsck -f" \
                "clean ($mode)" -- $mode "$TMP/clean.img"
done
"$FCREPLAY" inspect "$TMP/clean.img" > "$TMP/inspect" || fail "clean: inspect exit $?"
grep -q "journal read through the superblock's backup of its inode" "$TMP/inspect" || fail "clean: inspect does not show the damage"
echo "journal-backup: clean journal, damaged inode: refused: $(cat "$TMP/err")"
