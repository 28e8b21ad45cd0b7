#!/bin/sh
# make-old-sb-fixture.sh DIR: the fixture journal-old-sb, made like
# e2fsprogs' test image f_journal ("recover journal from corrupted inode
# table"), which is not shipped here: a kernel crash image (12 files, 6
# of them unlinked while open: on the orphan list) whose log carries a
# superblock without a journal backup (s_jnl_backup_type 0, as an old ext3
# superblock) and the inode-table block of journal inode 8; then the
# on-disk superblock gets its backup back and the journal inode is
# cleared in the inode table (debugfs clri).  The journal can only be
# found through the backup, and the log brings the inode back.
# expected.tree: the kernel's replay of the image before the clri.
# Needs root (loop mount).
set -eu
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'umount "$tmp/mnt" 2> /dev/null || true; rm -rf "$tmp"' EXIT
img="$tmp/crash.img"
mkdir "$tmp/mnt" "$out" 2> /dev/null || mkdir -p "$tmp/mnt" "$out"
mkfs.ext4 -q -F -b 4096 -I 256 -O ^fast_commit,^orphan_file -J size=4 "$img" 16M
debugfs -w -R "ssv jnl_backup_type 0" "$img" 2> /dev/null
mount -o loop "$img" "$tmp/mnt"
python3 - "$tmp/mnt" <<'PY'
import fcntl, os, struct, sys
m = sys.argv[1]
held = []
for i in range(12):
    p = os.path.join(m, "f%02d" % i)
    fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, b"x" * (5000 + 1000 * i))
    os.fsync(fd)
    if i % 2:
        os.unlink(p)
        held.append(fd)
    else:
        os.close(fd)
os.sync()
root = os.open(m, os.O_RDONLY)
fcntl.ioctl(root, 0x8004587d, struct.pack("I", 2))   # EXT4_IOC_SHUTDOWN, no log flush
PY
umount "$tmp/mnt"
cp "$img" "$tmp/kernel.img"
mount -o loop "$tmp/kernel.img" "$tmp/mnt"
umount "$tmp/mnt"
"$top/tests/tools/fcr-fctree" "$tmp/kernel.img" > "$out/expected.tree"
debugfs -w -R "ssv jnl_backup_type 1" "$img" 2> /dev/null
debugfs -w -R "clri <8>" "$img" 2> /dev/null
gzip -9c "$img" > "$out/crash.img.gz"
{
        echo "made by: tests/crashgen/make-old-sb-fixture.sh (like e2fsprogs' f_journal: log without a journal backup, journal inode cleared)"
        echo "kernel: $(uname -r)"
        echo "mkfs: $(mke2fs -V 2>&1 | head -1)"
        echo "kernel replay e2fsck -fn exit: $(e2fsck -fn "$tmp/kernel.img" > /dev/null 2>&1; echo $?)"
} > "$out/meta.txt"
