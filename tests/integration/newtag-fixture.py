#!/usr/bin/env python3
"""Give a crash image a fast commit with a tag the kernel does not define.

usage: newtag-fixture.py IMAGE INSPECT_JSON DIR INO OLD NEW

INSPECT_JSON is `fcreplay inspect --json IMAGE`.  The fast-commit area's
HEAD gets feature bit 31 (which announces the tag) and, in the block after
the last committed TAIL, one more commit is written: RENAME (tag 100: le32
dir, le32 ino, u8 old length, old name, new name) and a TAIL with the
area's tid and its CRC (crc32c, seed 0, no inversion, over every tag since
the previous TAIL through the TAIL's header and tid).  The HEAD's commit
gets its TAIL's CRC again, since the HEAD changed.  The block after the
new commit is zeroed: the log ends there.  Journal blocks are mapped to
filesystem blocks with debugfs."""
import json
import struct
import subprocess
import sys

FEATURE = 1 << 31
TAG_RENAME, TAG_TAIL, TAG_HEAD = 100, 8, 9


def crc32c(crc, data):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def journal_block(img, lblk):
    out = subprocess.run(["debugfs", "-R", f"bmap <8> {lblk}", img], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[-1])


def main():
    img, report, parent, ino, old, new = sys.argv[1:7]
    rep = json.load(open(report))
    sb = rep["journal"]["superblock"]
    fc = rep["journal"]["fast_commit"]
    bs, first, nblocks = sb["block_size"], sb["fc_first"], sb["fc_blocks"]
    tags = [t for t in fc["tags"] if t["committed"]]
    if not tags or tags[0]["tag"] != "HEAD" or tags[-1]["tag"] != "TAIL":
        sys.exit("newtag-fixture: the area holds no committed fast commit")
    tid = fc["expected_tid"]
    new_blk = tags[-1]["block"] + 1
    if new_blk + 1 >= nblocks:
        sys.exit("newtag-fixture: no room after the last commit")
    homes = [journal_block(img, first + i) for i in range(new_blk + 2)]
    f = open(img, "r+b")
    area = bytearray()
    for h in homes:
        f.seek(h * bs)
        area += f.read(bs)

    def at(t):
        return t["block"] * bs + t["offset"]

    # The HEAD announces the new tag; every committed TAIL's CRC again
    # (checked first against the one on disk, for all but the HEAD's).
    head = at(tags[0])
    struct.pack_into("<I", area, head + 4, struct.unpack_from("<I", area, head + 4)[0] | FEATURE)
    crc = 0
    for t in tags:
        o = at(t)
        if t["tag"] == "TAIL":
            crc = crc32c(crc, area[o:o + 8])
            struct.pack_into("<I", area, o + 8, crc)
            crc = 0
        else:
            crc = crc32c(crc, area[o:o + 4 + t["len"]])

    # The new commit: RENAME, then a TAIL padded to the end of its block.
    value = struct.pack("<IIB", int(parent), int(ino), len(old)) + old.encode() + new.encode()
    blk = bytearray(bs)
    struct.pack_into("<HH", blk, 0, TAG_RENAME, len(value))
    blk[4:4 + len(value)] = value
    o = 4 + len(value)
    struct.pack_into("<HHI", blk, o, TAG_TAIL, bs - o - 4, tid)
    struct.pack_into("<I", blk, o + 8, crc32c(crc32c(0, blk[:o]), blk[o:o + 8]))
    area[new_blk * bs:(new_blk + 1) * bs] = blk
    area[(new_blk + 1) * bs:(new_blk + 2) * bs] = bytes(bs)

    for i, h in enumerate(homes):
        f.seek(h * bs)
        f.write(area[i * bs:(i + 1) * bs])
    f.close()


if __name__ == "__main__":
    main()
