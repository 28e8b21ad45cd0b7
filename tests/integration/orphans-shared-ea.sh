#!/bin/sh
# An orphan whose extended-attribute block is shared (h_refcount 3, made
# by the kernel's xattr block sharing) is deleted: its reference goes, the
# block stays for the two other files with a count of 2 and a right
# checksum, and e2fsck -fn is clean.  Then the last two are deleted the
# same way through a fast-commit-free path (the list of two): the second
# one frees the block.  4 KiB extents and 1 KiB indirect blocks.
. "$top_srcdir/tests/integration/lib.sh"
command -v debugfs > /dev/null || skip "no debugfs"
have_loop || skip "needs root and a loop device to mount"
mnt="$TMP/mnt"
mkdir "$mnt"

ea_block() { debugfs -R "stat <$2>" "$1" 2> /dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p'; }
refcount() { debugfs -R "block_dump -x $2" "$1" 2> /dev/null | sed -n 's/^refcount = \([0-9]*\).*/\1/p'; }
block_used() { debugfs -R "testb $2" "$1" 2> /dev/null | grep -q "marked in use"; }

# make IMG MKFS-OPTIONS...: three files a, b, c sharing one EA block.
make_image() {
        img=$1
        shift
        mkfs.ext4 -q -F "$@" "$img" 16M 2> /dev/null
        mount -o loop "$img" "$mnt" || skip "cannot mount a loop device"
        python3 -c 'import os, sys
for f in "abc":
    p = os.path.join(sys.argv[1], f)
    with open(p, "w") as fd:
        fd.write("data of %s\n" % f * 200)
    os.setxattr(p, "user.shared", b"x" * 600)' "$mnt" || { umount "$mnt"; fail "cannot set the xattrs"; }
        umount "$mnt"
}

ino_of() { debugfs -R "stat $2" "$1" 2> /dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }

# orphan IMG NAME...: unlink the names and chain their inodes on the list.
orphan() {
        img=$1
        shift
        next=0
        : > "$TMP/cmds"
        for name; do
                ino=$(ino_of "$img" "$name")
                echo "unlink $name" >> "$TMP/cmds"
                echo "sif <$ino> links_count 0" >> "$TMP/cmds"
                echo "sif <$ino> dtime $next" >> "$TMP/cmds"
                next=$ino
        done
        echo "ssv last_orphan $next" >> "$TMP/cmds"
        echo "feature needs_recovery" >> "$TMP/cmds"
        debugfs -w -f "$TMP/cmds" "$img" > /dev/null 2>&1
        needs_recovery "$img" || fail "$img does not need recovery"
}

check() {
        label=$1
        shift
        img="$TMP/$label.img"
        make_image "$img" "$@"
        a=$(ino_of "$img" a)
        blk=$(ea_block "$img" "$a")
        [ -n "$blk" ] && [ "$blk" != 0 ] || fail "$label: no EA block"
        for f in b c; do
                [ "$(ea_block "$img" "$(ino_of "$img" $f)")" = "$blk" ] || skip "$label: the kernel did not share the EA block"
        done
        [ "$(refcount "$img" "$blk")" = 3 ] || fail "$label: refcount is not 3"

        orphan "$img" a
        "$FCREPLAY" replay "$img" > "$TMP/out" || { cat "$TMP/out" >&2; fail "$label: replay exit $?"; }
        grep -q "orphans: released 1: 1 deleted" "$TMP/out" || { cat "$TMP/out" >&2; fail "$label: no orphan released"; }
        fsck_clean "$img"
        [ "$(refcount "$img" "$blk")" = 2 ] || fail "$label: refcount is $(refcount "$img" "$blk"), not 2"
        block_used "$img" "$blk" || fail "$label: the shared EA block was freed"
        debugfs -R "ea_get b user.shared" "$img" 2> /dev/null | grep -q xxxx || fail "$label: b lost its xattr"

        orphan "$img" b c
        "$FCREPLAY" replay "$img" > "$TMP/out" || { cat "$TMP/out" >&2; fail "$label: second replay exit $?"; }
        grep -q "orphans: released 2: 2 deleted" "$TMP/out" || { cat "$TMP/out" >&2; fail "$label: not both released"; }
        fsck_clean "$img"
        block_used "$img" "$blk" && fail "$label: the EA block is still in use after its last file"
        echo "$label: ok"
}

check ext4-4k -b 4096 -I 256
check ext4-1k-indirect -b 1024 -I 256 -O ^extent,^64bit,^flex_bg
echo "orphans-shared-ea: ok"
