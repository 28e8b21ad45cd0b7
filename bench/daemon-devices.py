#!/usr/bin/env python3
"""fcreplayd with many dirty devices at start: time from start to READY=1
and peak RSS, for 1, 8 and 32 loop devices, against the kernel (mount +
umount of each device, one after another and `parallel` at a time) and
e2fsck -fy -E journal_only (the same two ways), in the same run, on copies
of one crash image.  Numbers, not pass/fail: it never fails on a slow
machine; it exits 77 without root or loop devices.

Usage: daemon-devices.py [--counts 1,8,32] [--parallel 4,1,8] [--runs 3]
Environment: top_builddir, top_srcdir, BENCH_DIR (sparse images);
BENCH_DEVICES, BENCH_PARALLEL and BENCH_RUNS are the options' defaults."""
import argparse, os, shutil, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
top_builddir = os.environ.get("top_builddir", os.path.join(here, ".."))
top_srcdir = os.environ.get("top_srcdir", os.path.join(here, ".."))
DAEMON = os.path.join(top_builddir, "fcreplayd")
FIXTURE = os.path.join(top_srcdir, "tests/fixtures/demo/crash.img.gz")
SET_LABEL = os.path.join(top_srcdir, "tests/daemon/set-label.py")
LABEL = "fcrbench%d" % os.getpid()


def skip(why):
    print("   skipped: " + why)
    sys.exit(77)


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **kw).stdout


def needs_recovery(path):
    out = subprocess.run(["dumpe2fs", "-h", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    return any(l.startswith("Filesystem features:") and "needs_recovery" in l for l in out.splitlines())


def clean(path):
    return subprocess.run(["e2fsck", "-fn", path], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def cold():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


class Devices:
    """n fresh copies of the crash image, attached to loop devices."""

    def __init__(self, work, base, n):
        self.imgs = [os.path.join(work, "d%d.img" % i) for i in range(n)]
        self.loops = []
        for img in self.imgs:
            run("cp", "--sparse=always", base, img)
        try:
            for img in self.imgs:
                self.loops.append(run("losetup", "-f", "--show", img).strip())
        except BaseException:
            self.close()
            raise
        # udev probes new devices too: let it finish first.
        if shutil.which("udevadm"):
            subprocess.run(["udevadm", "settle", "-t", "30"], stderr=subprocess.DEVNULL)

    def close(self):
        for l in self.loops:
            subprocess.run(["losetup", "-d", l], stderr=subprocess.DEVNULL)
        self.loops = []
        for img in self.imgs:
            if os.path.exists(img):
                os.unlink(img)

    def n_clean(self, on_images=False):
        return sum(clean(p) for p in (self.imgs if on_images else self.loops))


def pool(cmds, width):
    """Run cmds, width at a time; the wall time and the failures' exit codes."""
    t = time.monotonic()
    todo, live, codes = list(cmds), [], set()
    while todo or live:
        while todo and len(live) < width:
            live.append(subprocess.Popen(todo.pop(0), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        codes.add(live.pop(0).wait())
    # e2fsck exits 1 when it fixed something (it replayed): success.
    bad = sorted(codes - {0, 1})
    return time.monotonic() - t, " ".join("exit-%d" % c for c in bad)


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def vm_hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return int([l for l in f if l.startswith("VmHWM:")][0].split()[1])
    except (OSError, IndexError):
        return 0


def daemon_run(work, devs, parallel):
    """fcreplayd until READY=1: seconds, its VmHWM, the largest process
    of its tree (GNU time: the daemon or its largest reaped worker), the
    replays' own times as the daemon logged them."""
    conf = os.path.join(work, "fcreplayd.conf")
    with open(conf, "w") as f:
        f.write("include = LABEL=%s\n" % LABEL)
        if parallel:
            f.write("parallel = %d\n" % parallel)
    sock_path = os.path.join(work, "notify.sock")
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(0.5)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, FCREPLAYD_CMDLINE="/dev/null",
               FCREPLAYD_RUNTIME_DIR=os.path.join(work, "runtime"))
    env.pop("JOURNAL_STREAM", None)
    env.setdefault("FCREPLAY_PLUGIN_DIR", os.path.join(top_builddir, "plugins"))
    rss_file = os.path.join(work, "rss")
    log_path = os.path.join(work, "daemon.log")
    cold()
    with open(log_path, "w") as log:
        t = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file, DAEMON, "--config", conf],
                             env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            while True:
                try:
                    if b"READY=1" in s.recv(4096):
                        break
                except socket.timeout:
                    pass
                if p.poll() is not None or time.monotonic() - t > 300:
                    raise RuntimeError("fcreplayd sent no READY=1: " + open(log_path).read().strip())
            dt = time.monotonic() - t
        finally:
            kids = children_of(p.pid)
            hwm = vm_hwm(kids[0]) if kids else 0
            for k in kids:
                os.kill(k, 15)
            p.wait()
            s.close()
    with open(rss_file) as f:
        tree = int(f.read().split()[-1])
    each = []
    with open(log_path) as f:
        for l in f:
            if "replayed in " in l:
                each.append(float(l.split("replayed in ")[1].split()[0]))
    return dt, hwm, tree, each


def kernel_run(work, devs, width):
    """mount + umount of every device, width at a time."""
    mnts = [os.path.join(work, "m%d" % i) for i in range(len(devs.loops))]
    for m in mnts:
        os.makedirs(m, exist_ok=True)
    cmds = [["sh", "-c", 'mount "$1" "$2" && umount "$2"', "sh", l, m] for l, m in zip(devs.loops, mnts)]
    cold()
    return pool(cmds, width)


def e2fsck_run(devs, width):
    cold()
    return pool([["e2fsck", "-fy", "-E", "journal_only", img] for img in devs.imgs], width)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counts", default=os.environ.get("BENCH_DEVICES", "1,8,32"))
    ap.add_argument("--parallel", default=os.environ.get("BENCH_PARALLEL", "4,1,8"),
                    help="the daemon's parallel settings; the first is the one the kernel and e2fsck get")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    a = ap.parse_args()
    counts = [int(x) for x in a.counts.split(",")]
    pars = [int(x) for x in a.parallel.split(",")]

    if os.getuid() != 0:
        skip("needs root (loop devices, mount, dropping caches)")
    if not os.access("/usr/bin/time", os.X_OK):
        skip("needs GNU time for peak RSS (Debian package time)")
    if not os.access(DAEMON, os.X_OK):
        skip("build %s first" % DAEMON)
    if subprocess.run(["losetup", "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        skip("no loop devices")

    work = tempfile.mkdtemp(prefix="fcr-devices.", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    try:
        base = os.path.join(work, "base.img")
        with open(base, "wb") as f:
            subprocess.run(["gzip", "-dc", FIXTURE], stdout=f, check=True)
        run("python3", SET_LABEL, base, LABEL)
        if not needs_recovery(base):
            print("   the relabelled crash image does not need recovery: nothing to measure")
            return 1
        size = os.path.getsize(base) >> 20
        print("   %d MiB crash image (tests/fixtures/demo, labelled %s), copied N times onto loop devices;" % (size, LABEL))
        print("   medians of %d run(s), cold caches; 'clean' counts devices e2fsck -fn finds clean afterwards"
              % a.runs)
        print("   'per dev': the daemon's own log of each replay, from fork to result (mean);")
        print("   'RSS': the daemon's VmHWM; 'tree': the largest process of its tree (GNU time), workers included")
        print("   %-6s %-40s %9s %9s %11s %11s  %s" % ("N", "replayer", "seconds", "per dev", "RSS KiB", "tree KiB",
                                                       "clean"))
        for n in counts:
            rows = []
            for par in pars:
                label = "fcreplayd parallel=%d%s" % (par, " (default)" if par == 4 else "")
                res = []
                for _ in range(a.runs):
                    d = Devices(work, base, n)
                    try:
                        res.append(daemon_run(work, d, par) + (d.n_clean(),))
                    finally:
                        d.close()
                each = [x for r in res for x in r[3]]
                rows.append((label, statistics.median(r[0] for r in res), max(r[1] for r in res),
                             max(r[2] for r in res), min(r[4] for r in res),
                             "%.3f" % statistics.mean(each) if each else "-", ""))
            w = pars[0]
            for label, fn, on_images in (
                    ("kernel mount+umount, 1 at a time", lambda d: kernel_run(work, d, 1), False),
                    ("kernel mount+umount, %d at a time" % w, lambda d: kernel_run(work, d, w), False),
                    ("e2fsck -E journal_only, 1 at a time", lambda d: e2fsck_run(d, 1), True),
                    ("e2fsck -E journal_only, %d at a time" % w, lambda d: e2fsck_run(d, w), True)):
                if n == 1 and "1 at a time" not in label:
                    continue
                res = []
                for _ in range(a.runs):
                    d = Devices(work, base, n)
                    try:
                        dt, note = fn(d)
                        res.append((dt, d.n_clean(on_images), note))
                    finally:
                        d.close()
                rows.append((label, statistics.median(r[0] for r in res), None, None, min(r[1] for r in res), "-",
                             " ".join(sorted({r[2] for r in res if r[2]}))))
            for label, t, hwm, tree, ok, each, note in rows:
                print("   %-6d %-40s %9.3f %9s %11s %11s  %d/%d %s" % (n, label, t, each, hwm or "-", tree or "-",
                                                                    ok, n, note))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
