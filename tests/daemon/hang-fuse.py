#!/usr/bin/env python3
"""A file whose reads hang, for a loop device that hangs.

    hang-fuse.py MOUNTPOINT IMAGE STATE_DIR [MAX_HANG_SECONDS]

Mounts a one-file FUSE filesystem at MOUNTPOINT (speaking the kernel's
FUSE protocol on /dev/fuse directly: no libfuse needed) whose file
"disk" has IMAGE's content.  While STATE_DIR/hang exists, reads of it are
not answered; they are answered (from IMAGE) once it is removed, or after
60 s at most, so that a test that dies never leaves a device hung.  Every
read asked for is counted in STATE_DIR/reads; STATE_DIR/expired appears
when reads were answered because MAX_HANG_SECONDS passed.  Prints "ready" on stdout
once mounted; unmounts on SIGTERM.
"""
import ctypes
import os
import select
import signal
import struct
import sys
import time

MNT, IMAGE, STATE = sys.argv[1], sys.argv[2], sys.argv[3]
MAX_HANG = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
FUSE_ROOT, FUSE_FILE = 1, 2
S_IFDIR, S_IFREG = 0o040000, 0o100000
FOPEN_DIRECT_IO = 1
(LOOKUP, FORGET, GETATTR, OPEN, READ, RELEASE, STATFS, FLUSH, INIT, OPENDIR, READDIR,
 RELEASEDIR, ACCESS, INTERRUPT, DESTROY, BATCH_FORGET) = (1, 2, 3, 14, 15, 18, 17, 25, 26, 27, 28, 29, 34, 36,
                                                          38, 42)
NO_REPLY = (FORGET, BATCH_FORGET, INTERRUPT)

size = os.path.getsize(IMAGE)
img = open(IMAGE, "rb")
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
opts = "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other" % fd
if libc.mount(b"fcr-hang", MNT.encode(), b"fuse.fcr-hang", 0, opts.encode()) != 0:
    sys.exit("mount: %s" % os.strerror(ctypes.get_errno()))


def attr(ino):
    mode, nlink, sz = (S_IFDIR | 0o755, 2, 0) if ino == FUSE_ROOT else (S_IFREG | 0o644, 1, size)
    # ino size blocks atime mtime ctime (ns x3) mode nlink uid gid rdev blksize flags
    return struct.pack("<QQQQQQIIIIIIIIII", ino, sz, (sz + 511) // 512, 0, 0, 0, 0, 0, 0, mode, nlink, 0, 0, 0,
                       4096, 0)


def reply(unique, error=0, data=b""):
    os.write(fd, struct.pack("<IiQ", 16 + len(data), -error, unique) + data)


def read_reply(unique, body):
    off, n = struct.unpack_from("<QI", body, 8)
    img.seek(off)
    reply(unique, 0, img.read(n))


def handle(op, unique, node, body):
    if op == INIT:
        major, minor = struct.unpack_from("<II", body)
        reply(unique, 0, struct.pack("<IIIIHHIIHHI28x", 7, min(minor, 31), 0, 0, 16, 12, 65536, 1, 0, 0, 0))
    elif op == LOOKUP:
        if node == FUSE_ROOT and body.rstrip(b"\0") == b"disk":
            reply(unique, 0, struct.pack("<QQQQII", FUSE_FILE, 0, 0, 0, 0, 0) + attr(FUSE_FILE))
        else:
            reply(unique, 2)
    elif op == GETATTR:
        reply(unique, 0, struct.pack("<QII", 0, 0, 0) + attr(node))
    elif op in (OPEN, OPENDIR):
        reply(unique, 0, struct.pack("<QIi", 0, FOPEN_DIRECT_IO if op == OPEN else 0, 0))
    elif op == READDIR:
        reply(unique, 0, b"")
    elif op == STATFS:
        reply(unique, 0, struct.pack("<QQQQQIIII24x", 0, 0, 0, 0, 0, 4096, 255, 4096, 0))
    elif op in NO_REPLY:
        pass
    elif op in (RELEASE, RELEASEDIR, FLUSH, ACCESS):
        reply(unique, 0)
    else:
        reply(unique, 38)   # ENOSYS


def reads_seen(n):
    with open(os.path.join(STATE, "reads.tmp"), "w") as f:
        f.write("%d\n" % n)
    os.rename(os.path.join(STATE, "reads.tmp"), os.path.join(STATE, "reads"))


stopping = False


def on_term(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
reads_seen(0)
print("ready", flush=True)
held, nreads, since = [], 0, None
while not stopping:
    hanging = os.path.exists(os.path.join(STATE, "hang"))
    if held and (not hanging or time.monotonic() - since > MAX_HANG):
        if hanging:
            open(os.path.join(STATE, "expired"), "w").close()
        for unique, body in held:
            read_reply(unique, body)
        held = []
    try:
        ready, _, _ = select.select([fd], [], [], 0.1)
    except InterruptedError:
        continue
    if not ready:
        continue
    try:
        buf = os.read(fd, 1 << 20 | 4096)
    except OSError:
        break   # unmounted
    length, op, unique, node = struct.unpack_from("<IIQQ", buf)
    body = buf[40:length]
    if op == READ:
        nreads += 1
        reads_seen(nreads)
        if hanging:
            if not held:
                since = time.monotonic()
            held.append((unique, body))
            continue
        read_reply(unique, body)
    elif op == DESTROY:
        break
    else:
        handle(op, unique, node, body)
for unique, body in held:
    read_reply(unique, body)
libc.umount2(MNT.encode(), 2)   # MNT_DETACH
