#!/usr/bin/env python3
"""compare.py REFERENCE OTHER: whether the replays that replay-all.sh kept
in OTHER (a foreign architecture) are the ones in REFERENCE (amd64).

For every NAME.ALLOC: the same exit status and messages, the same JSON
report (but the device's path and the elapsed time), the same tree
(fcr-fctree), the same e2fsck -fn output (this host's e2fsck on both
images; an extent tree that could be shorter is listed, not failed) and
the platform's own e2fsck clean after a replay.  Prints one line per difference; exit 0 when there is none, 1
otherwise.

The images are compared byte for byte too, but for the time stamp (and so
the checksum) of the journal commit block a replay writes (the wall
clock): a difference there is listed ("note:") and counted, not failed.
libext2fs on a big-endian host leaves bytes no reader looks at in
another order (a removed directory entry inside its neighbour's record,
an empty in-inode attribute area's magic); docs/platforms.md lists them."""
import json
import os
import re
import subprocess
import sys

JBD2_MAGIC = 0xC03B3998
JBD2_COMMIT_BLOCK = 2
# The commit block's fields that hold the wall clock, and the checksum
# over them (include/linux/jbd2.h: struct commit_header).
COMMIT_TIME = set(range(0x10, 0x14)) | set(range(0x30, 0x3C))


def text(path, image=None):
    """The file's text, with every path to IMAGE (a file name) replaced:
    a replay in a chroot names it by the chroot's path."""
    with open(path, errors="replace") as f:
        t = f.read()
    if image:
        t = re.sub(r"[^\s'\"]*/" + re.escape(image), "IMAGE", t)
    return t


def fsck_here(img, image):
    """What this host's e2fsck -fn says of img, as replay-all.sh keeps it."""
    r = subprocess.run(["e2fsck", "-fn", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t = re.sub(r"[^\s'\"]*/" + re.escape(image), "IMAGE", r.stdout + f"e2fsck exit {r.returncode}\n")
    return t.split("\n", 1)[-1]


HINT = re.compile(r"^Inode \d+ extent tree \(at level \d+\) could be (narrower|shorter)\.  Optimize\? no$")


def hints(fsck_text):
    return [x for x in fsck_text.split("\n") if HINT.match(x)]


def without_hints(fsck_text):
    """The text without the hints, and the empty line e2fsck prints after each."""
    return re.sub(r"^Inode \d+ extent tree \(at level \d+\) could be (narrower|shorter)\.  Optimize\? no\n\n?",
                  "", fsck_text, flags=re.M)


def report(path):
    with open(path) as f:
        raw = f.read()
    if not raw.strip():
        return None
    r = json.loads(raw)
    r.pop("device", None)
    r.pop("elapsed_usec", None)
    return r


def block_size(fsck_text):
    m = re.search(r"^Block size:\s+(\d+)", fsck_text, re.M)
    return int(m.group(1)) if m else None


def image_diff(a, b, bs):
    """The differing bytes outside a commit block's time stamp, as a
    message, or None."""
    r = subprocess.run(["cmp", "-l", a, b], capture_output=True, text=True)
    if r.returncode == 0:
        return None
    if r.returncode != 1 or "EOF" in r.stderr:
        return f"cmp: {r.stderr.strip() or 'sizes differ'}"
    offsets = [int(line.split()[0]) - 1 for line in r.stdout.splitlines()]
    blocks = {}
    for off in offsets:
        blocks.setdefault(off // bs, []).append(off % bs)
    with open(a, "rb") as fa, open(b, "rb") as fb:
        for blk, offs in sorted(blocks.items()):
            fa.seek(blk * bs)
            fb.seek(blk * bs)
            x, y = fa.read(16), fb.read(16)
            commit = all(int.from_bytes(h[0:4], "big") == JBD2_MAGIC and
                         int.from_bytes(h[4:8], "big") == JBD2_COMMIT_BLOCK for h in (x, y))
            if not commit or x[:12] != y[:12] or not set(offs) <= COMMIT_TIME:
                return f"{len(offsets)} byte(s) differ, the first at {offsets[0]} (block {offsets[0] // bs})"
    return None


def compare(ref, other):
    problems, notes = [], []
    names = sorted(f[:-5] for f in os.listdir(ref) if f.endswith(".json"))
    if not names:
        return ["no replays in the reference"], [], 0
    for n in names:
        a, b = os.path.join(ref, n), os.path.join(other, n)
        if not os.path.exists(b + ".json"):
            problems.append(f"{n}: not replayed")
            continue
        image = n + ".img"
        err_a, err_b = text(a + ".err", image), text(b + ".err", image)
        if err_a != err_b:
            problems.append(f"{n}: exit status or messages differ: {err_a.strip()!r} vs {err_b.strip()!r}")
        try:
            if report(a + ".json") != report(b + ".json"):
                problems.append(f"{n}: the JSON report differs")
        except ValueError as e:
            problems.append(f"{n}: a JSON report does not parse: {e}")
        if text(a + ".tree") != text(b + ".tree"):
            problems.append(f"{n}: the tree (fcr-fctree) differs")
        # e2fsck's version line goes to stderr first; its last line names
        # the image.  The platform's image is judged by this host's e2fsck
        # as the reference is (another release's e2fsck may word things
        # otherwise), and by its own.  An extent tree that "could be
        # narrower/shorter" is a hint, not damage (exit 0): trixie's build
        # leaves one such tree a level deeper than bookworm's (both valid,
        # the same blocks; docs/platforms.md); listed.
        fa = text(a + ".fsck", image).split("\n", 1)[-1]
        fb = text(b + ".fsck", image).split("\n", 1)[-1]
        fh = fsck_here(b + ".img", image)
        if without_hints(fa) != without_hints(fh):
            problems.append(f"{n}: e2fsck -fn says something else")
        elif fa != fh:
            notes.append(f"{n}: e2fsck -fn hints otherwise: " + "; ".join(
                sorted(set(hints(fa)) ^ set(hints(fh)))))
        if "exit 0\n" in err_a and not fa.endswith("e2fsck exit 0\n"):
            problems.append(f"{n}: replayed, but e2fsck -fn is not clean (reference)")
        if "exit 0\n" in err_b and not fb.endswith("e2fsck exit 0\n"):
            problems.append(f"{n}: replayed, but e2fsck -fn is not clean")
        bs = block_size(subprocess.run(["dumpe2fs", "-h", a + ".img"], capture_output=True, text=True).stdout) or 1024
        d = image_diff(a + ".img", b + ".img", bs)
        if d:
            notes.append(f"{n}: the image differs: {d}")
    return problems, notes, len(names)


def main():
    ref, other = sys.argv[1], sys.argv[2]
    problems, notes, n = compare(ref, other)
    for p in problems:
        print(f"compare: {p}")
    for p in notes:
        print(f"compare: note: {p}")
    print(f"compare: {n} replays, {len(problems)} difference(s), {n - len(notes)} image(s) byte-identical")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
