#!/bin/sh
# make-truncate-orphan-fixture.sh DIR: the fixture orphan-truncate-4k, a
# kernel crash image with a truncate in flight at the power cut: a linked
# file on the orphan list.  A file of 8192 extents is truncated to 5000
# bytes (ext4_setattr puts it on the list and commits i_size, then
# ext4_truncate frees the extents over several handles); meanwhile an
# fsync of another file commits the list, and EXT4_IOC_SHUTDOWN (no log
# flush) cuts the power before ext4_orphan_del.  The workload generator
# (fcr-workload) cannot make this: its truncate finishes before the
# shutdown, and the crashgen trees cannot compare it (below).
# expected.tree: the kernel's replay (mount), but for the truncated
# orphan's mtime: the kernel's orphan cleanup truncates at mount and sets
# mtime and ctime to the mount time; the tree before the crash, which
# fcreplay keeps, has the ftruncate's, which the log holds.  The script
# takes that one field from fcreplay's result, after checking that it is
# the only difference from the kernel's tree.
# Needs root (loop mount).
set -eu
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'umount "$tmp/mnt" 2> /dev/null || true; rm -rf "$tmp"' EXIT
img="$tmp/crash.img"
mkdir -p "$tmp/mnt" "$out"
mkfs.ext4 -q -F -b 4096 -O ^orphan_file -J size=16 "$img" 256M
mount -o loop "$img" "$tmp/mnt"
python3 - "$tmp/mnt" <<'PY'
import fcntl, os, struct, sys, threading, time
m = sys.argv[1]
with open(os.path.join(m, "kept"), "wb") as f:
    f.write(b"kept\n" * 1000)
other = os.open(os.path.join(m, "other"), os.O_CREAT | os.O_WRONLY, 0o644)
fd = os.open(os.path.join(m, "victim"), os.O_CREAT | os.O_RDWR, 0o644)
for off in range(0, 64 << 20, 8192):
    os.pwrite(fd, b"y" * 4096, off)
os.fsync(fd)
os.sync()
t = threading.Thread(target=os.ftruncate, args=(fd, 5000))
t.start()
time.sleep(0.005)
os.write(other, b"a")
os.fsync(other)
root = os.open(m, os.O_RDONLY)
fcntl.ioctl(root, 0x8004587d, struct.pack("I", 2))   # EXT4_IOC_SHUTDOWN, no log flush
t.join()
PY
umount "$tmp/mnt"
FCREPLAY_PLUGIN_DIR="$top/plugins" FCREPLAY_CONFIG=/dev/null "$top/fcreplay" inspect "$img" |
        grep -A1 "^Orphans after the journal replay" | grep -q "(list): 1 links, size 5000: truncate" ||
        { FCREPLAY_PLUGIN_DIR="$top/plugins" FCREPLAY_CONFIG=/dev/null "$top/fcreplay" inspect "$img" | grep -A3 "^Orphans" >&2; echo "no truncate in flight at the cut; run again" >&2; exit 1; }
cp "$img" "$tmp/kernel.img"
cp "$img" "$tmp/fcreplay.img"
mount -o loop "$tmp/kernel.img" "$tmp/mnt"
umount "$tmp/mnt"
FCREPLAY_PLUGIN_DIR="$top/plugins" FCREPLAY_CONFIG=/dev/null "$top/fcreplay" replay -q "$tmp/fcreplay.img"
"$top/tests/tools/fcr-fctree" "$tmp/kernel.img" > "$tmp/kernel.tree"
"$top/tests/tools/fcr-fctree" "$tmp/fcreplay.img" > "$tmp/fcreplay.tree"
# One field may differ, and only on the victim's line.
python3 - "$tmp/kernel.tree" "$tmp/fcreplay.tree" "$out/expected.tree" <<'PY'
import re, sys
k = open(sys.argv[1]).read().splitlines()
f = open(sys.argv[2]).read().splitlines()
assert len(k) == len(f), (k, f)
res = []
for a, b in zip(k, f):
    if a != b:
        assert a.startswith("victim ") and re.sub(r"mtime=\S+", "", a) == re.sub(r"mtime=\S+", "", b), (a, b)
        a = b
    res.append(a)
open(sys.argv[3], "w").write("\n".join(res) + "\n")
PY
gzip -9c "$img" > "$out/crash.img.gz"
{
        echo "made by: tests/crashgen/make-truncate-orphan-fixture.sh (a truncate in flight at the power cut: a linked orphan)"
        echo "kernel: $(uname -r)"
        echo "mkfs: $(mke2fs -V 2>&1 | head -1)"
        echo "kernel replay e2fsck -fn exit: $(e2fsck -fn "$tmp/kernel.img" > /dev/null 2>&1; echo $?)"
        echo "expected.tree: the kernel's, but for victim's mtime (the kernel's orphan truncate sets the mount time)"
} > "$out/meta.txt"
