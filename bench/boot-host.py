#!/usr/bin/env python3
"""Issue 20's host series: what fcreplayd costs a boot, natively, against
the kernel, both sides in the same run.  Numbers, not pass/fail: it never
fails on a slow machine; it exits 77 without root or loop devices.

  clean  fcreplayd start to READY=1 with no dirty device and BACKGROUND
         loop devices present (ext4, ext3 and ext2 that it is configured
         for, swap, minix and bfs, and devices with no filesystem), cold
         caches (sync; echo 3 > /proc/sys/vm/drop_caches before each run)
         and warm (as the previous run left them), interleaved;
  dirty  N dirty devices (copies of tests/fixtures/demo) among those:
         fcreplayd start to READY=1 plus the clean mount + umount that
         follows, against the kernel's replaying mount + umount of the
         same copies, A B A B ..., cold caches before each;
  rss    peak RSS of the daemon (its VmHWM) and of its process tree (GNU
         time: the largest of the daemon and its reaped workers), in
         separate, untimed runs.

Mounts are mount(2)/umount(2) calls from this process, WIDTH at a time
(no mount(8) to exec).  Each run records the 1-minute load average.

Usage: boot-host.py [--runs 7] [--background 40] [--dirty 1,16,32]
                    [--width 4] [--parallel 4] [--only clean|dirty|rss]
Environment: top_builddir, top_srcdir; BENCH_DIR (images, default
/var/tmp); BENCH_HOST_RUNS, BENCH_HOST_DIRTY, BENCH_BACKGROUND give the
options' defaults; BENCH_FCREPLAYD another fcreplayd binary to measure."""
import argparse, ctypes, os, statistics, subprocess, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl

FIXTURE = os.path.join(bl.top_srcdir, "tests/fixtures/demo/crash.img.gz")
SET_LABEL = os.path.join(bl.top_srcdir, "tests/daemon/set-label.py")


def skip(why):
    print("   skipped: " + why)
    sys.exit(77)


def clean(dev):
    return subprocess.run(["e2fsck", "-fn", dev], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def mount_umount(devs, mnts, width):
    """mount(2) + umount(2) of each device, width at a time: seconds and
    the devices that failed to mount."""
    todo, failed, lock = list(zip(devs, mnts)), [], threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                dev, mnt = todo.pop(0)
            if bl.libc.mount(dev.encode(), mnt.encode(), b"ext4", 0, None) != 0:
                with lock:
                    failed.append("%s: %s" % (dev, os.strerror(ctypes.get_errno())))
                continue
            bl.libc.umount2(mnt.encode(), 0)

    t = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(min(width, len(devs)))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.monotonic() - t, failed


def clean_series(daemon, runs):
    """No dirty device: cold and warm start to READY=1, interleaved."""
    res = {"cold": [], "warm": [], "cold cpu": [], "warm cpu": []}
    ld = []
    for _ in range(runs):
        for mode in ("cold", "warm"):
            if mode == "cold":
                bl.cold()
            ld.append(bl.load1())
            dt, cpu, p = daemon.until_ready()
            daemon.stop(p)
            res[mode].append(dt)
            res[mode + " cpu"].append(cpu)
    return res, ld


def dirty_copies(work, base, loops, n):
    imgs = [os.path.join(work, "d%d.img" % i) for i in range(n)]
    for img in imgs:
        bl.run("cp", "--sparse=always", base, img)
    return [loops.add(img) for img in imgs]


def dirty_series(work, base, loops, daemon, n, runs, width):
    """A B A B ...: fcreplayd (to READY=1, then the mounts) against the
    kernel (the replaying mounts), fresh copies of the crash image each
    run.  The daemon is stopped at READY=1: its reaction to the mounts is
    not what a boot waits for."""
    mnts = [os.path.join(work, "m%d" % i) for i in range(n)]
    for m in mnts:
        os.makedirs(m, exist_ok=True)
    res = {"fcreplayd": [], "ready": [], "cpu": [], "kernel": []}
    ld, bad, notes = [], {"fcreplayd": 0, "kernel": 0}, set()
    for _ in range(runs):
        for side in ("fcreplayd", "kernel"):
            devs = dirty_copies(work, base, loops, n)
            try:
                bl.cold()
                ld.append(bl.load1())
                if side == "fcreplayd":
                    ready, cpu, p = daemon.until_ready()
                    daemon.stop(p)
                    if daemon.replayed() != n:
                        notes.add("fcreplayd replayed %d of %d" % (daemon.replayed(), n))
                    dm, failed = mount_umount(devs, mnts, width)
                    res["ready"].append(ready)
                    res["cpu"].append(cpu)
                    res[side].append(ready + dm)
                else:
                    dm, failed = mount_umount(devs, mnts, width)
                    res[side].append(dm)
                notes.update(failed[:1])
                bad[side] += sum(not clean(d) for d in devs)
            finally:
                loops.drop(devs)
    return res, ld, bad, notes


def rss_run(work, base, loops, daemon, n):
    """One untimed run under GNU time, children's VmHWM sampled: the daemon's
    peak, the tree's (exact) and the largest child seen (a lower bound)."""
    devs = dirty_copies(work, base, loops, n) if n else []
    seen = {}

    def watch(p):
        pid = daemon.pid(p, True)
        for c in bl.children(pid) if pid else []:
            seen[c] = max(seen.get(c, 0), bl.vm_hwm(c))

    out = os.path.join(work, "time.out")
    try:
        bl.cold()
        _, _, p = daemon.until_ready(wrap=("/usr/bin/time", "-q", "-f", "%M", "-o", out), watch=watch)
        hwm = bl.vm_hwm(daemon.pid(p, True))
        daemon.stop(p, True)
        with open(out) as f:
            tree = int(f.read().split()[-1])
    finally:
        loops.drop(devs)
    return hwm, tree, max(seen.values(), default=0)


def print_dirty(n, res, ld, bad, notes, runs):
    fa, kb = statistics.median(res["fcreplayd"]), statistics.median(res["kernel"])
    print("   %4d %22s %20s %24s %24s %+10.1f %7.2fx %9s  %s" % (
        n, bl.spread(res["ready"]), bl.spread(res["cpu"]), bl.spread(res["fcreplayd"]), bl.spread(res["kernel"]),
        (fa - kb) * 1000,
        fa / kb, bl.loads(ld), "A %d B %d of %d%s" % (bad["fcreplayd"], bad["kernel"], n * runs,
                                                   ("; " + "; ".join(sorted(notes))) if notes else "")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_HOST_RUNS", "7")))
    ap.add_argument("--background", type=int, default=int(os.environ.get("BENCH_BACKGROUND", "40")))
    ap.add_argument("--dirty", default=os.environ.get("BENCH_HOST_DIRTY", "1,16,32"))
    ap.add_argument("--width", type=int, default=4, help="mounts at once, both sides")
    ap.add_argument("--parallel", type=int, default=4, help="the daemon's parallel setting")
    ap.add_argument("--only", choices=("clean", "dirty", "rss"))
    a = ap.parse_args()
    counts = [int(x) for x in a.dirty.split(",") if x]
    bl.preflight(skip)

    with bl.workspace("fcr-boot-host.") as (work, loops):
        base = os.path.join(work, "base.img")
        with open(base, "wb") as f:
            subprocess.run(["gzip", "-dc", FIXTURE], stdout=f, check=True)
        bl.run(sys.executable, SET_LABEL, base, bl.LABEL)
        kinds = bl.make_background(work, loops, a.background)
        daemon = bl.Daemon(work, a.parallel)
        print("   %s; %d background loop devices of 64 MiB (%s), %d block devices in all with the machine's own;"
              % (bl.DAEMON, a.background, ", ".join("%d %s" % (v, k) for k, v in kinds.items()), bl.block_devices()))
        print("   %s; it is configured for the ext ones labelled %s;" % (bl.udev_state(), bl.LABEL))
        print("   milliseconds: median [min-max] of %d runs; load: the 1-minute load average over the runs" % a.runs)
        if a.only in (None, "clean"):
            res, ld = clean_series(daemon, a.runs)
            print("   clean: start to READY=1, no dirty device (target 10 ms, cold), load %s:" % bl.loads(ld))
            for mode in ("cold", "warm"):
                print("      %s caches: %s ms; the daemon's own CPU time by then: %s ms"
                      % (mode, bl.spread(res[mode]), bl.spread(res[mode + " cpu"])))
        if a.only in (None, "dirty"):
            print("   dirty: A = fcreplayd start to READY=1, then mount+umount of each (clean) device; "
                  "B = the kernel's replaying mount+umount;")
            print("          %d at a time on both sides, parallel=%d, cold caches, A B A B ..." % (a.width, a.parallel))
            print("   %4s %22s %20s %24s %24s %10s %8s %9s  %s" % (
                "N", "A: READY=1 ms", "A: daemon CPU ms", "A: READY=1 + mounts ms", "B: kernel mounts ms", "A-B ms",
                "A/B", "load", "unclean"))
            for n in counts:
                print_dirty(n, *dirty_series(work, base, loops, daemon, n, a.runs, a.width), a.runs)
        if a.only in (None, "rss"):
            for n in [0] + counts[-1:]:
                hwm, tree, child = rss_run(work, base, loops, daemon, n)
                print("   peak RSS with %d dirty: daemon %d KiB, its process tree %d KiB (largest child seen: %s KiB)"
                      " (target 5 MiB = 5120 KiB)" % (n, hwm, tree, child or "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
