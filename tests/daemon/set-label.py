#!/usr/bin/env python3
"""set-label.py IMAGE LABEL: write the ext4 volume label straight into the
primary superblock and fix its checksum.  Works on a crash image that
libext2fs will not open (bitmaps not yet replayed); the tests use labels
so that fcreplayd looks only at their own devices.  LABEL is taken as the
bytes given (os.fsencode): a test may pass any bytes but NUL."""
import os, struct, sys

def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc

path, label = sys.argv[1], os.fsencode(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(1024)
    sb = bytearray(f.read(1024))
    sb[0x78:0x88] = label[:16].ljust(16, b"\0")
    if struct.unpack_from("<I", sb, 0x64)[0] & 0x400:   # metadata_csum
        struct.pack_into("<I", sb, 0x3FC, crc32c(bytes(sb[:0x3FC])))
    f.seek(1024)
    f.write(sb)
