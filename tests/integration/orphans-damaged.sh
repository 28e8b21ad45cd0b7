#!/bin/sh
# Damaged orphans, as the kernel's mount treats them (debugfs-made
# images, journal empty, recovery flag set):
# - a damaged orphan list (an impossible inode number, a loop): the
#   orphans before the damage are released, the list head cleared, the
#   filesystem marked with errors (ext4_orphan_cleanup() and ext4_error());
# - a damaged orphan-file block (bad magic): the kernel fails the mount
#   (ext4_init_orphan_info), so the replay refuses: exit 2, nothing
#   written, the message names the block and says to run e2fsck.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
head -c 20000 /dev/urandom > "$TMP/data"

ino_of() { debugfs -R "stat $2" "$1" 2> /dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }

# list IMG LAST-NEXT: a and b unlinked on the list, head a -> b -> LAST-NEXT.
list_image() {
        img=$1
        mkfs.ext4 -q -F -b 4096 -O ^fast_commit,^orphan_file "$img" 16M 2> /dev/null
        for f in a b keep; do debugfs -w -R "write $TMP/data $f" "$img" > /dev/null 2>&1; done
        a=$(ino_of "$img" a)
        b=$(ino_of "$img" b)
        [ -n "$a" ] && [ -n "$b" ] || fail "debugfs did not make the files"
        next=$2
        [ "$next" = a ] && next=$a
        cat > "$TMP/cmds" <<CMDS
unlink a
unlink b
sif <$a> links_count 0
sif <$b> links_count 0
sif <$a> dtime $b
sif <$b> dtime $next
ssv last_orphan $a
feature needs_recovery
CMDS
        debugfs -w -f "$TMP/cmds" "$img" > /dev/null 2>&1
        needs_recovery "$img" || fail "$img does not need recovery"
}

for case in "impossible 3" "loop a"; do
        set -- $case
        img="$TMP/list-$1.img"
        list_image "$img" "$2"
        "$FCREPLAY" inspect "$img" > "$TMP/inspect" || fail "list $1: inspect exit $?"
        grep -q "the list is damaged" "$TMP/inspect" || { cat "$TMP/inspect" >&2; fail "list $1: inspect does not show the damage"; }
        rc=0
        "$FCREPLAY" replay "$img" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ "$rc" -eq 0 ] || fail "list $1: replay exit $rc: $(cat "$TMP/err")"
        grep -q "orphans: released 2: 2 deleted" "$TMP/out" || { cat "$TMP/out" >&2; fail "list $1: the orphans before the damage were not released"; }
        grep -q "orphans: the list is damaged (it .* inode" "$TMP/out" || { cat "$TMP/out" >&2; fail "list $1: the report does not name the damage"; }
        dumpe2fs -h "$img" 2> /dev/null | grep -q "^First orphan inode" && fail "list $1: the list head was not cleared"
        dumpe2fs -h "$img" 2> /dev/null | grep -q "^Filesystem state:.*with errors" || fail "list $1: not marked with errors"
        for f in "$a" "$b"; do
                debugfs -R "testi <$f>" "$img" 2> /dev/null | grep -q "is not in use" || fail "list $1: orphan $f still in use"
        done
        fsck_clean "$img"
        echo "orphans-damaged: list $1: ok"
done

# The orphan file: its first block's magic broken.
img="$TMP/file.img"
mkfs.ext4 -q -F -b 4096 -O ^fast_commit,orphan_file "$img" 16M 2> /dev/null
ofino=$(dumpe2fs -h "$img" 2> /dev/null | sed -n 's/^Orphan file inode: *//p')
[ -n "$ofino" ] || skip "mke2fs made no orphan file"
blk=$(debugfs -R "bmap <$ofino> 0" "$img" 2> /dev/null)
[ -n "$blk" ] && [ "$blk" != 0 ] || fail "orphan file block 0 not mapped"
printf 'JUNK' | dd of="$img" bs=1 seek=$((blk * 4096 + 4096 - 8)) conv=notrunc status=none
debugfs -w -R "feature needs_recovery" "$img" > /dev/null 2>&1
for mode in "replay" "replay --dry-run" "inspect"; do
        expect 2 "orphan file block 0 has a bad magic or checksum: the kernel does not mount .*run e2fsck -f" \
                "orphan file ($mode)" -- $mode "$img"
done
echo "orphans-damaged: orphan file: refused: $(cat "$TMP/err")"
