#!/usr/bin/env python3
"""Where fcreplayd's start goes, natively: the start to READY=1 taken
apart in steps that each add one part, cold caches, median of RUNS runs
per step (interleaved), with the CPU time and the system calls of each,
then the system calls of a whole start by what they were for.

  1  fcreplayd --version: exec and the dynamic linking of its libraries
  2  fcreplayd --check-config: + the configuration and the plugins
  3  fcreplayd to READY=1, no block device visible (a private mount
     namespace with an empty /sys/class/block): + the event loop, the
     bus, the udev monitor
  4  fcreplayd to READY=1 with every block device: + discovery and probing

System calls are counted by strace -f (one run per step; on this kind of
machine a system call costs microseconds, so their number is a good part
of the cost, and it does not depend on the load).  LD_DEBUG=statistics
gives the dynamic linker's own view.  Numbers, not pass/fail; exits 77
without root, strace or loop devices.

Usage: start-profile.py [--runs 7] [--background 40]
Environment: as bench/boot-host.py (benchlib)."""
import argparse, collections, os, re, shutil, statistics, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl

CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 16384, 1 << 18


def skip(why):
    print("   skipped: " + why)
    sys.exit(77)


def namespace(hide_block):
    """For preexec_fn: a private mount namespace (every step gets one, so
    that they cost the same), with no block device in sysfs if asked."""
    def pre():
        if bl.libc.unshare(CLONE_NEWNS) != 0 or bl.libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            raise OSError("cannot make a private mount namespace")
        if hide_block:
            for d in (b"/sys/class/block", b"/sys/block"):
                bl.libc.mount(b"tmpfs", d, b"tmpfs", 0, None)
    return pre


def timed_exit(cmd, env):
    """Wall and CPU seconds of a command that exits."""
    t = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=namespace(False))
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    return time.monotonic() - t, ru.ru_utime + ru.ru_stime


def steps(daemon):
    """(label, runner, strace-able command) for each step."""
    d = bl.DAEMON
    return (
        ("exec + dynamic linking (--version)", lambda: timed_exit([d, "--version"], daemon.env), [d, "--version"]),
        ("+ configuration, plugins (--check-config)",
         lambda: timed_exit([d, "--check-config", "--config", daemon.conf], daemon.env),
         [d, "--check-config", "--config", daemon.conf]),
        ("+ event loop, bus, udev monitor: READY=1 with no block device", lambda: ready(daemon, True), None),
        ("+ discovery and probing: READY=1 with %d block devices" % bl.block_devices(), lambda: ready(daemon, False),
         None))


def ready(daemon, hide):
    dt, cpu, p = daemon.until_ready(preexec_fn=namespace(hide))
    daemon.stop(p)
    return dt, cpu


def strace_ready(daemon, work, hide):
    """A start to READY=1 under strace -f: the trace file."""
    out = os.path.join(work, "strace-%d.txt" % hide)
    _, _, p = daemon.until_ready(wrap=("strace", "-f", "-qq", "-o", out), preexec_fn=namespace(hide))
    daemon.stop(p, True)
    return out


def strace_exit(cmd, work, env):
    out = os.path.join(work, "strace-cmd.txt")
    subprocess.run(["strace", "-f", "-qq", "-o", out] + cmd, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, preexec_fn=namespace(False))
    return out


SYSCALL = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")


def calls(path, until_ready=True):
    """The trace's system calls (pid, name, args, result), up to the
    READY=1 message."""
    res = []
    with open(path) as f:
        for line in f:
            m = SYSCALL.match(line)
            if m:
                res.append((m.group(1), m.group(2), m.group(3), m.group(4)))
                if until_ready and "READY=1" in line:
                    break
    return res


def kinds_of_devices():
    """/dev/NAME -> its filesystem type (blkid -p), or 'none'."""
    kinds = {}
    for name in os.listdir("/sys/class/block"):
        t = subprocess.run(["blkid", "-p", "-o", "value", "-s", "TYPE", "/dev/" + name], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True).stdout.strip()
        kinds["/dev/" + name] = t or "none"
    return kinds


def by_purpose(trace, kinds):
    """The calls of a start, by what they were for: block devices (by
    kind: calls, bytes read, devices), sysfs, the rest."""
    fds, dev_of = {}, {}
    purpose = collections.Counter()
    per_kind = collections.defaultdict(lambda: [0, 0, set()])
    for pid, name, args, ret in trace:
        m = re.match(r'(AT_FDCWD|\d+), "([^"]*)"', args) if name in ("openat", "open") else None
        first = re.match(r"(\d+)", args)
        fd = first.group(1) if first else None
        if m and ret.isdigit():
            base = fds.get((pid, m.group(1)), "") if m.group(1) != "AT_FDCWD" else os.getcwd()
            fds[(pid, ret)] = os.path.normpath(os.path.join(base, m.group(2)))
        path = fds.get((pid, ret)) if m else fds.get((pid, fd))
        if path and path.startswith("/dev/") and path in kinds:
            k = per_kind[kinds[path]]
            k[0] += 1
            k[2].add(path)
            if name in ("read", "pread64") and ret.isdigit():
                k[1] += int(ret)
            purpose["block devices"] += 1
        elif (path and path.startswith("/sys")) or (m and "O_PATH" in args) or "/sys/" in args:
            purpose["sysfs (libudev, libblkid)"] += 1
        elif name in ("mmap", "mprotect", "munmap", "brk") or (path and ".so" in path):
            purpose["memory and shared objects"] += 1
        else:
            purpose["other"] += 1
        if name == "close" and fd:
            fds.pop((pid, fd), None)
    return purpose, per_kind


def ld_statistics(daemon):
    """ld.so's own account of the daemon's start (LD_DEBUG=statistics)."""
    r = subprocess.run([bl.DAEMON, "--version"], env=dict(daemon.env, LD_DEBUG="statistics"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    keep = ("total startup time", "time needed for relocation", "number of relocations:",
            "number of relative relocations", "time needed to load objects")
    lines = [l.split(":", 1)[1].strip() for l in r.stderr.splitlines() if any(k in l for k in keep)]
    libs = subprocess.run(["ldd", bl.DAEMON], stdout=subprocess.PIPE, text=True).stdout.count("=>")
    return libs, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_HOST_RUNS", "7")))
    ap.add_argument("--background", type=int, default=int(os.environ.get("BENCH_BACKGROUND", "40")))
    a = ap.parse_args()
    bl.preflight(skip)
    if not shutil.which("strace"):
        skip("needs strace (Debian package strace)")
    with bl.workspace("fcr-start-profile.") as (work, loops):
        bl.make_background(work, loops, a.background)
        daemon = bl.Daemon(work)
        st = steps(daemon)
        res = {label: ([], []) for label, _, _ in st}
        ld = []
        for _ in range(a.runs):
            for label, fn, _ in st:
                bl.cold()
                ld.append(bl.load1())
                w, c = fn()
                res[label][0].append(w)
                res[label][1].append(c)
        counts = []
        for label, _, cmd in st:
            trace = strace_exit(cmd, work, daemon.env) if cmd else strace_ready(daemon, work, "no block" in label)
            counts.append(len(calls(trace, until_ready=not cmd)))
        print("   %s; %d block devices (%d of them this bench's loop devices); cold caches; median [min-max] of %d "
              "runs, load %s;\n   %s" % (bl.DAEMON, bl.block_devices(), a.background, a.runs, bl.loads(ld), bl.udev_state()))
        print("   %-64s %24s %24s %9s %16s" % ("step", "wall ms", "CPU ms", "syscalls", "adds: CPU, calls"))
        prev = (0, 0)
        for (label, _, _), n in zip(st, counts):
            cpu = statistics.median(res[label][1]) * 1000
            print("   %-64s %24s %24s %9d %9.1f %6d" % (label, bl.spread(res[label][0]), bl.spread(res[label][1]), n,
                                                      cpu - prev[0], n - prev[1]))
            prev = (cpu, n)
        purpose, per_kind = by_purpose(calls(trace), kinds_of_devices())
        print("   the last start's system calls by purpose: " +
              ", ".join("%s %d" % kv for kv in purpose.most_common()))
        for kind, (n, nbytes, devs) in sorted(per_kind.items(), key=lambda kv: -kv[1][0]):
            print("      block devices of type %-8s %3d devices: %5.0f calls and %5.1f KiB read each"
                  % (kind, len(devs), n / len(devs), nbytes / len(devs) / 1024))
        libs, stats = ld_statistics(daemon)
        print("   LD_DEBUG=statistics (--version, %d libraries): %s" % (libs, "; ".join(stats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
