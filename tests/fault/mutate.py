#!/usr/bin/env python3
"""Mutation test: damage the journal of real crash images and check that
fcreplay either replays them to an `e2fsck -fn`-clean filesystem or refuses
them with a message, leaving the image byte-for-byte unchanged.  Never a
crash, a hang or a half-written filesystem.

  mutate.py --fcreplay BIN --count N [--seed S] [--allocator A] IMAGE.gz...

Only images whose journal has checksums (v2/v3) are used: without them a
flipped bit in a logged block is indistinguishable from real data, and no
replayer can tell.  Mutations:
  flip     1-8 random bytes changed in a used journal block (log or
           fast-commit area)
  swap     two journal blocks exchanged
  fc-cut   the fast-commit area zeroed from a random byte on (fast commits
           lost, as a torn write would)
  truncate the image file cut short inside the journal
Zeroing committed full transactions out of the log is not among them: it
is lost durable data that looks exactly like a log that ends there, and
their blocks may already be home; no replayer can tell (see README).
"""
import argparse, gzip, hashlib, os, random, re, shutil, subprocess, sys, tempfile

TIMEOUT = 60


def journal_extents(img):
    """Physical blocks of the journal inode, in logical order."""
    out = subprocess.run(["debugfs", "-c", "-R", "stat <8>", img], capture_output=True, text=True).stdout
    m = re.search(r"EXTENTS:\s*\n(.*?)(\n\n|\Z)", out, re.S)
    if not m:
        return None
    blocks = []
    for lo, hi, plo, phi in re.findall(r"\((\d+)(?:-(\d+))?\):(\d+)(?:-(\d+))?", m.group(1)):
        n = (int(hi) - int(lo) + 1) if hi else 1
        blocks.extend(range(int(plo), int(plo) + n))
    return blocks


def fs_info(img):
    out = subprocess.run(["dumpe2fs", "-h", img], capture_output=True, text=True).stdout
    bs = int(re.search(r"^Block size:\s+(\d+)", out, re.M).group(1))
    csum = re.search(r"^Journal features:.*journal_checksum_v[23]", out, re.M) is not None
    return bs, csum


def used_blocks(f, bs, jmap):
    """Journal logical blocks that are not all zero."""
    used = []
    for l, p in enumerate(jmap):
        f.seek(p * bs)
        if f.read(bs).strip(b"\0"):
            used.append(l)
    return used


def fc_area(f, bs, jmap):
    """Journal logical blocks of the fast-commit area, or None."""
    f.seek(jmap[0] * bs)
    jsb = f.read(1024)
    maxlen = int.from_bytes(jsb[0x10:0x14], "big")
    incompat = int.from_bytes(jsb[0x28:0x2C], "big")
    if not incompat & 0x20:
        return None
    nfc = int.from_bytes(jsb[0x54:0x58], "big") or 256
    return range(maxlen - nfc, min(maxlen, len(jmap)))


def mutate(rng, path, bs, jmap, used):
    with open(path, "r+b") as f:
        fc = fc_area(f, bs, jmap)
        kind = rng.choice(["flip", "flip", "flip", "swap", "fc-cut" if fc else "flip", "truncate"])
        if kind == "flip":
            l = rng.choice(used)
            f.seek(jmap[l] * bs)
            blk = bytearray(f.read(bs))
            for _ in range(rng.randint(1, 8)):
                blk[rng.randrange(bs)] ^= rng.randint(1, 255)
            f.seek(jmap[l] * bs)
            f.write(blk)
            return "flip in journal block %d" % l
        if kind == "fc-cut":
            at = rng.randrange(len(fc) * bs)
            for x in fc:
                lo = max(0, at - (x - fc[0]) * bs)
                if lo < bs:
                    f.seek(jmap[x] * bs + lo)
                    f.write(b"\0" * (bs - lo))
            return "fast-commit area zeroed from byte %d" % at
        if kind == "truncate":
            l = rng.choice(used)
            at = jmap[l] * bs + rng.randrange(bs)
            f.truncate(at)
            return "image truncated at byte %d (journal block %d)" % (at, l)
        a, b = rng.choice(used), rng.randrange(len(jmap))
        f.seek(jmap[a] * bs)
        da = f.read(bs)
        f.seek(jmap[b] * bs)
        db = f.read(bs)
        f.seek(jmap[a] * bs)
        f.write(db)
        f.seek(jmap[b] * bs)
        f.write(da)
        return "journal blocks %d and %d swapped" % (a, b)


def digest(path):
    """The image's size and its data regions, offsets included: a write
    anywhere, into a hole too, changes it; the holes are not read."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        h.update(b"%d;" % size)
        off = 0
        while off < size:
            try:
                off = os.lseek(f.fileno(), off, os.SEEK_DATA)
            except OSError:
                break           # only a hole is left
            end = os.lseek(f.fileno(), off, os.SEEK_HOLE)
            h.update(b"%d:" % off)
            f.seek(off)
            left = end - off
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                left -= len(chunk)
            off = end
    return h.hexdigest()


def unpack_sparse(gz, path):
    """Decompress, leaving holes where the image is zeros."""
    zero = bytes(1 << 16)
    with gzip.open(gz) as src, open(path, "wb") as dst:
        for chunk in iter(lambda: src.read(1 << 16), b""):
            if chunk == zero[:len(chunk)]:
                dst.seek(len(chunk), os.SEEK_CUR)
            else:
                dst.write(chunk)
        dst.truncate()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fcreplay", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--allocator", default="kernel")
    ap.add_argument("images", nargs="+")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix="fcr-mutate.")
    bases = []
    try:
        for gz in a.images:
            base = os.path.join(tmp, "base%d.img" % len(bases))
            unpack_sparse(gz, base)
            bs, csum = fs_info(base)
            jmap = journal_extents(base)
            if not csum or not jmap:
                os.unlink(base)
                continue
            with open(base, "rb") as f:
                bases.append((gz, base, bs, jmap, used_blocks(f, bs, jmap)))
        if not bases:
            print("no image with a checksummed internal journal", file=sys.stderr)
            return 77
        stats = {"replayed": 0, "refused": 0}
        failures = 0
        img = os.path.join(tmp, "m.img")
        for i in range(a.count):
            gz, base, bs, jmap, used = bases[i % len(bases)]
            subprocess.run(["cp", "--sparse=always", base, img], check=True)
            what = mutate(rng, img, bs, jmap, used)
            before = digest(img)
            try:
                r = subprocess.run([a.fcreplay, "replay", "--allocator", a.allocator, img],
                                   capture_output=True, text=True, timeout=TIMEOUT)
                rc, err = r.returncode, r.stderr.strip()
            except subprocess.TimeoutExpired:
                rc, err = "timeout", ""
            problem = None
            if rc == 0:
                fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
                if fsck.returncode:
                    problem = "replayed, but e2fsck -fn exit %d: %s" % (
                        fsck.returncode, " | ".join(l for l in fsck.stdout.splitlines()[:8] if l))
                else:
                    stats["replayed"] += 1
            elif rc in (2, 3):
                if digest(img) != before:
                    problem = "exit %s but the image changed" % rc
                elif not err:
                    problem = "exit %s without a message" % rc
                else:
                    stats["refused"] += 1
            else:
                problem = "exit %s (crash or hang): %s" % (rc, err[-300:])
            if problem:
                failures += 1
                print("FAIL %s #%d (%s): %s" % (os.path.basename(os.path.dirname(gz)), i, what, problem))
        print("%d mutations of %d images: %d replayed clean, %d refused unchanged, %d failures"
              % (a.count, len(bases), stats["replayed"], stats["refused"], failures))
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
