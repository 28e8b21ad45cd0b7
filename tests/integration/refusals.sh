#!/bin/sh
# Bad input is refused with a message, the right exit status and nothing
# written; so are a missing tag plugin, an unknown allocator and (as root,
# with loop devices) a mounted device.
. "$top_srcdir/tests/integration/lib.sh"

unpack "$FIXTURES/demo" "$TMP/img"
bs=$(dumpe2fs -h "$TMP/img" 2>/dev/null | sed -n 's/^Block size: *//p')
jblk=$(debugfs -R "bmap <8> 0" "$TMP/img" 2>/dev/null)
[ -n "$jblk" ] || fail "cannot find the journal superblock"

# A journal superblock whose checksum fails (one byte of s_errno changed).
cp "$TMP/img" "$TMP/bad.img"
printf '\001' | dd of="$TMP/bad.img" bs=1 seek=$((jblk * bs + 0x20)) conv=notrunc status=none
expect 2 "journal superblock checksum" "journal superblock checksum" -- replay "$TMP/bad.img"
# No journal magic at all.
cp "$TMP/img" "$TMP/bad.img"
printf '\000\000\000\000' | dd of="$TMP/bad.img" bs=1 seek=$((jblk * bs)) conv=notrunc status=none
expect 2 "magic" "journal superblock without magic" -- replay "$TMP/bad.img"

# A log damaged in its middle: a later transaction is still there.  The
# kernel would replay up to the damage; fcreplay refuses, and says what
# that means and what to do.
cp "$TMP/img" "$TMP/bad.img"
tblk=$("$FCREPLAY" inspect "$TMP/img" | sed -n 's/^  transaction 11 at log block \([0-9]*\):.*/\1/p')
[ -n "$tblk" ] || fail "the demo should hold transaction 11"
printf '\000\000\000\000' | dd of="$TMP/bad.img" bs=1 seek=$(( $(debugfs -R "bmap <8> $tblk" "$TMP/img" 2>/dev/null) * bs )) \
        conv=notrunc status=none
expect 2 "yet transaction 11 continues" "log damaged in the middle" -- replay "$TMP/bad.img"
for words in "The kernel would replay only up to the damage" "fcreplay replays nothing" \
             "save a copy of the device, then run e2fsck -fy"; do
        grep -q "$words" "$TMP/err" || fail "log damaged in the middle: the message does not say '$words'"
done

# A filesystem that cannot be opened, whatever is wrong with it, is one
# class: exit 3 (refusals, exit 2, judge the journal).
cp "$TMP/img" "$TMP/bad.img"
debugfs -w -R "ssv desc_size 40" "$TMP/bad.img" > /dev/null 2>&1
expect 3 "cannot open the filesystem of .*: Block group descriptor size incorrect" "bad descriptor size" -- replay "$TMP/bad.img"
# A group descriptor the replay needs (group 0: the journal inode's, and
# the groups the log touches) must pass its checksum.  Descriptors of
# groups the replay never touches are read on demand only: they are
# e2fsck's to judge (README, Exit codes; fcreplay(8)).
cp "$TMP/img" "$TMP/bad.img"
debugfs -w -R "set_bg 0 checksum 0x1234" "$TMP/bad.img" > /dev/null 2>&1
expect 3 "cannot open the filesystem of .*: group descriptor 0 is unreadable or fails its checksum" \
        "bad descriptor checksum" -- replay "$TMP/bad.img"
cp "$TMP/img" "$TMP/bad.img"
debugfs -w -R "ssv feature_incompat 0x80000" "$TMP/bad.img" > /dev/null 2>&1
expect 3 "cannot open the filesystem of .*: Filesystem has unsupported feature" "unsupported feature" -- replay "$TMP/bad.img"
cp "$TMP/img" "$TMP/bad.img"
debugfs -w -R "ssv inodes_per_group 0" "$TMP/bad.img" > /dev/null 2>&1
expect 3 "cannot open the filesystem of .*: The ext2 superblock is corrupt" "corrupt superblock" -- replay "$TMP/bad.img"
cp "$TMP/img" "$TMP/bad.img"
printf '\000\000' | dd of="$TMP/bad.img" bs=1 seek=1080 conv=notrunc status=none
expect 3 "cannot open the filesystem of .*: Bad magic number" "no ext2 magic" -- replay "$TMP/bad.img"
cp "$TMP/img" "$TMP/bad.img"
truncate -s $(( $(stat -c %s "$TMP/img") * 2 / 3 )) "$TMP/bad.img"
expect 3 "cannot open the filesystem of .*: the device holds" "image shorter than its filesystem" -- replay "$TMP/bad.img"
expect 3 "cannot open the filesystem of" "image shorter than its filesystem (inspect)" -- inspect "$TMP/bad.img"

# The fast-commit log needs LINK, but no plugin handles it.
mkdir -p "$TMP/p/tags" "$TMP/p/alloc"
for so in "$top_builddir"/plugins/tags/*.so; do
        [ "$(basename "$so")" = link.so ] || cp -L "$so" "$TMP/p/tags/"
done
cp -L "$top_builddir"/plugins/alloc/*.so "$TMP/p/alloc/"
chmod -R go-w "$TMP/p"
"$FCREPLAY" inspect "$TMP/img" | grep -q '\] LINK ' || fail "the demo should hold a LINK tag"
expect 2 "no plugin" "tag without a plugin" -- replay --plugin-dir "$TMP/p" "$TMP/img"

# An unknown allocator on the command line is a usage error (as one in the
# configuration is a configuration error), naming the ones there are.
expect 64 "--allocator no-such-policy: no allocator plugin named 'no-such-policy'.*available: goal, kernel" \
        "unknown allocator" -- replay --allocator no-such-policy "$TMP/img"
expect 64 "no allocator plugin named 'no-such-policy'" "unknown allocator (dry run)" -- replay -n -a no-such-policy "$TMP/img"
# Neither a block device nor a regular file: refused at once, not opened
# for reading (a FIFO without a writer would block open()).
mkfifo "$TMP/fifo"
for args in "inspect" "replay -n" "replay"; do
        rc=0
        timeout 10 "$FCREPLAY" $args "$TMP/fifo" > "$TMP/out" 2>&1 || rc=$?
        [ $rc -eq 3 ] || fail "fcreplay $args FIFO: exit $rc: $(cat "$TMP/out")"
        grep -q "fifo is a FIFO, not a block device or a regular file" "$TMP/out" ||
                fail "fcreplay $args FIFO: no clear refusal: $(cat "$TMP/out")"
done
# A path that does not exist.
rc=0
"$FCREPLAY" replay "$TMP/none.img" 2> "$TMP/err" || rc=$?
[ "$rc" -eq 3 ] || fail "missing image: exit $rc, expected 3"
grep -q "none.img" "$TMP/err" || fail "missing image: the message does not name it"
echo "refusals: missing image: exit 3"

# A mounted device is refused (root and loop devices only).
if have_loop; then
        cp "$TMP/img" "$TMP/m.img"
        "$FCREPLAY" replay -q "$TMP/m.img"
        loop=$(losetup -f --show "$TMP/m.img")
        mkdir "$TMP/mnt"
        mount -o ro,noload "$loop" "$TMP/mnt"
        rc=0
        "$FCREPLAY" replay "$loop" 2> "$TMP/err" || rc=$?
        umount "$TMP/mnt"
        losetup -d "$loop"
        cat "$TMP/err"
        [ "$rc" -eq 3 ] || fail "mounted device: exit $rc, expected 3"
        grep -q "mounted" "$TMP/err" || fail "mounted device: the message does not say so"
        echo "refusals: mounted device: exit 3"
else
        echo "refusals: not root or no loop devices: the mounted-device check was not run"
fi
