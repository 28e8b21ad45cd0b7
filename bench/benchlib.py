"""What bench/boot-host.py and bench/start-profile.py share: loop devices
this bench made (and only those), a machine's mix of block devices,
fcreplayd started until READY=1, cold caches, CPU time, peak RSS, and
median [min-max] figures."""
import contextlib, ctypes, os, shutil, socket, statistics, subprocess, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
top_builddir = os.path.abspath(os.environ.get("top_builddir", os.path.join(here, "..")))
top_srcdir = os.path.abspath(os.environ.get("top_srcdir", os.path.join(here, "..")))
DAEMON = os.environ.get("BENCH_FCREPLAYD") or os.path.join(top_builddir, "fcreplayd")
LABEL = "fcrbh%d" % os.getpid()
libc = ctypes.CDLL(None, use_errno=True)

# The background: what a machine's block devices hold.  The daemon looks at
# every block device; it must read the superblock of the ext ones it is
# configured for (labelled here), and leave the rest alone.
BACKGROUND = (("ext4", ["mkfs.ext4", "-q", "-F", "-O", "fast_commit", "-L", LABEL]),
              ("ext3", ["mkfs.ext3", "-q", "-F", "-L", LABEL]),
              ("ext2", ["mkfs.ext2", "-q", "-F", "-L", LABEL]),
              ("ext4", ["mkfs.ext4", "-q", "-F", "-L", LABEL]),
              ("swap", ["mkswap", "-q"]),
              ("minix", ["mkfs.minix"]),
              ("bfs", ["mkfs.bfs"]),
              ("none", None))


def preflight(skip):
    """Calls skip(why) when this cannot run here."""
    if os.getuid() != 0:
        skip("needs root (loop devices, mount, dropping caches)")
    if not os.access("/usr/bin/time", os.X_OK):
        skip("needs GNU time for peak RSS (Debian package time)")
    if not os.access(DAEMON, os.X_OK):
        skip("build %s first" % DAEMON)
    if subprocess.run(["losetup", "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        skip("no loop devices")


def run(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cold():
    """Cold caches: dirty pages written, then the page cache (the daemon,
    its libraries and plugins, loop devices' backing files), dentries and
    inodes dropped."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def block_devices():
    return len(os.listdir("/sys/class/block"))


def udev_state():
    """What the daemon's discovery reads here (daemon/discover.c): with
    udevd and devices tagged by 64-fcreplayd.rules, those only; otherwise
    every block device."""
    if not os.path.exists("/run/udev/control"):
        return "no udevd: the daemon enumerates and probes every block device"
    tags = "/run/udev/tags/fcreplayd"
    if not os.path.isdir(tags):
        return "udevd, no device tagged fcreplayd (64-fcreplayd.rules not installed?): every block device enumerated"
    return "udevd, %d devices tagged fcreplayd: the daemon enumerates those only" % len(os.listdir(tags))


class Loops:
    """Loop devices this script made, detached at the end (only those)."""

    def __init__(self):
        self.loops = []

    def add(self, img):
        self.loops.append(run("losetup", "-f", "--show", img).strip())
        return self.loops[-1]

    def drop(self, loops):
        for l in loops:
            subprocess.run(["losetup", "-d", l], stderr=subprocess.DEVNULL)
            self.loops.remove(l)

    def close(self):
        self.drop(list(self.loops))


@contextlib.contextmanager
def workspace(prefix):
    """A work directory under BENCH_DIR and the loop devices made in it,
    both gone afterwards, however the bench ends."""
    work = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    loops = Loops()
    try:
        yield work, loops
    finally:
        loops.close()
        shutil.rmtree(work, ignore_errors=True)


def make_background(work, loops, n):
    """n loop devices of 64 MiB, the kinds of BACKGROUND in turn; a count of each kind."""
    kinds = {}
    for i in range(n):
        kind, mkfs = BACKGROUND[i % len(BACKGROUND)]
        img = os.path.join(work, "bg%d.img" % i)
        with open(img, "wb") as f:
            f.truncate(64 << 20)
        if mkfs:
            subprocess.run(mkfs + [img], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        loops.add(img)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cpu_seconds(pid):
    """Time on a CPU so far (schedstat, nanoseconds): the load of other
    processes lengthens the wall time, hardly this."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, TypeError):
        return 0.0


def vm_hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return int([l for l in f if l.startswith("VmHWM:")][0].split()[1])
    except (OSError, IndexError, TypeError):
        return 0


class Daemon:
    """fcreplayd with a private configuration (the ext devices labelled
    LABEL), runtime directory and notify socket."""

    def __init__(self, work, parallel=4):
        self.work = work
        self.conf = os.path.join(work, "fcreplayd.conf")
        with open(self.conf, "w") as f:
            f.write("include = LABEL=%s\nparallel = %d\n" % (LABEL, parallel))
        self.env = dict(os.environ, FCREPLAYD_CMDLINE="/dev/null", FCREPLAYD_RUNTIME_DIR=os.path.join(work, "runtime"))
        self.env.pop("JOURNAL_STREAM", None)
        self.env.setdefault("FCREPLAY_PLUGIN_DIR", os.path.join(top_builddir, "plugins"))
        self.log = os.path.join(work, "daemon.log")

    def until_ready(self, wrap=(), watch=None, preexec_fn=None):
        """Start it (under the command wrap, if any), wait for READY=1:
        seconds from the start, the CPU seconds the daemon itself used by
        then, its Popen.  The caller stops it (stop())."""
        path = os.path.join(self.work, "notify.sock")
        if os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(0.2)
        self.env["NOTIFY_SOCKET"] = path
        with open(self.log, "w") as log:
            t = time.monotonic()
            p = subprocess.Popen(list(wrap) + [DAEMON, "--config", self.conf], env=self.env, stdout=subprocess.DEVNULL,
                                 stderr=log, preexec_fn=preexec_fn)
        try:
            while True:
                try:
                    if b"READY=1" in s.recv(4096):
                        break
                except socket.timeout:
                    pass
                if watch:
                    watch(p)
                if p.poll() is not None or time.monotonic() - t > 300:
                    raise RuntimeError("fcreplayd sent no READY=1: " + open(self.log).read().strip()[-400:])
            dt = time.monotonic() - t
            cpu = cpu_seconds(self.pid(p, bool(wrap)))
        except BaseException:
            self.stop(p, bool(wrap))
            raise
        finally:
            s.close()
        return dt, cpu, p

    @staticmethod
    def pid(p, wrapped):
        """The daemon's pid: p's, or that of p's only child when p is a wrapper."""
        if not wrapped:
            return p.pid
        kids = children(p.pid)
        return kids[0] if kids else None

    def stop(self, p, wrapped=False):
        """SIGTERM to the daemon (under a wrapper: to its child, so that
        the wrapper reports)."""
        pid = self.pid(p, wrapped)
        if pid:
            os.kill(pid, 15)
        p.wait()

    def replayed(self):
        with open(self.log) as f:
            return sum("replayed in " in l for l in f)


def spread(xs, unit=1000.0, fmt="%.1f"):
    """median [min-max], scaled (ms by default)."""
    xs = sorted(x * unit for x in xs)
    return (fmt + " [" + fmt + "-" + fmt + "]") % (statistics.median(xs), xs[0], xs[-1])


def loads(ls):
    return "%.1f-%.1f" % (min(ls), max(ls))
