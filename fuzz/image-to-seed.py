#!/usr/bin/env python3
"""image-to-seed.py IMAGE SEED [BLOCKSIZE]: the nonzero blocks of IMAGE
as fuzz_engine records (le64 offset, le32 length, bytes), runs of
neighbouring blocks merged."""
import struct
import sys

img, out = sys.argv[1], sys.argv[2]
bs = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
zero = bytes(bs)
records, start, run = [], None, []
with open(img, "rb") as f:
    data = f.read()
for off in range(0, len(data), bs):
    b = data[off:off + bs]
    if b != zero[:len(b)]:
        if start is None:
            start = off
        run.append(b)
    elif start is not None:
        records.append((start, b"".join(run)))
        start, run = None, []
if start is not None:
    records.append((start, b"".join(run)))
# The image's size: a last record of nothing at its end.
records.append((len(data), b""))
with open(out, "wb") as f:
    for off, b in records:
        f.write(struct.pack("<QI", off, len(b)) + b)
