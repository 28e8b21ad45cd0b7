#!/usr/bin/env python3
"""The boot test: fcreplayd under systemd as PID 1, in a Debian guest under
qemu, with crashed ext4 disks in /etc/fstab.

    boot-test.py [--keep] [--suite bookworm|trixie]
    boot-test.py --bench [0,1,4,16]  boot figures for make bench (0: a clean boot)
    boot-test.py --self-test         the judgements and the KVM fallback,
                                     without a guest (judge.sh, make check)

Environment: top_srcdir, top_builddir (as automake's tests have them);
FCR_BOOT_CACHE (the guest cache, default /var/cache/fcreplay-boot);
FCR_BOOT_WORK (a work directory to keep; default a temporary one);
FCR_FOREIGN_CACHE (with --suite other than the host's: the chroot that
builds the package for that suite, tests/foreign/build-deb-chroot.sh);
FCR_BOOT_ACCEL (kvm or tcg; default: kvm where it works; a KVM boot that
fails before the guest kernel prints is retried with TCG); FCR_BOOT_KVM_WAIT
(seconds to wait for that, default 60); FCR_BOOT_REQUIRED
(set: fail instead of skipping when the test cannot run, as in CI).
--bench only: FCR_BOOT_BENCH_RUNS (boots per side and disk count, default
5), FCR_BOOT_BENCH_DAEMON (a fcreplayd binary to boot instead of the
package's, e.g. a prototype), FCR_BOOT_BENCH_PROFILE (set: one more boot
per disk count and daemon with its debug log and LD_DEBUG=statistics, and
after the boot 5 restarts of the daemon as shipped and 5 without its
sandbox; FCR_BOOT_BENCH_RUNS=0 with it: the profiling boots only),
FCR_BOOT_BENCH_ENV ("VAR=value ...": environment for that fcreplayd),
FCR_BOOT_BENCH_DROPIN (a drop-in file for fcreplayd.service); with any of
these three a third side, the variant, boots between the package's and
the masked one; FCR_BOOT_BENCH_DEBS (a directory with fcreplay_*.deb built before: no
package build).

--suite: the guest's Debian release (tests/boot/make-guest.sh), bookworm
by default; for a release other than the host's, the package is built in a
chroot of that release (tests/foreign/build-deb-chroot.sh).

Five boots (see tests/boot/README.md for what each asserts), of the Debian
package built by scripts/build-deb.sh and installed with dpkg -i:
  main        a dirty /data in fstab: fcreplayd replays it before its mount;
              D-Bus, reload, an admin replay, a hot-added dirty disk
  skipcrash   fcreplay.mode=skip, the negative control: the kernel replays;
              then fsync'd writes on /data and the root, and a power cut
              (qemu killed)
  aftercrash  fcreplayd replays the power-cut /data before its mount, the
              initramfs-tools initrd the power-cut root before it mounts
              it; then fsync'd writes on the root and a second power cut
  dracut      the initrd dracut built in the guest replays the root;
              fcreplayd masked: the kernel replays /data, nothing is held
  removed     the package purged: the guest still boots
Exit status: 0 all passed, 1 a check failed, 77 cannot run here (no root,
qemu, mmdebstrap or loop devices), 99 the harness itself failed.
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

SRC = os.path.abspath(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "../..")))
BUILD = os.path.abspath(os.environ.get("top_builddir", SRC))
HERE = os.path.join(SRC, "tests", "boot")
os.environ.setdefault("FCREPLAY_PLUGIN_DIR", os.path.join(BUILD, "plugins"))
BOOT_LIMIT = int(os.environ.get("FCR_BOOT_LIMIT", "900"))     # seconds for one boot to poweroff
# Under KVM the guest kernel's first console line comes within seconds; none
# in this time means KVM does not work here (the boot is retried with TCG).
KVM_WAIT = int(os.environ.get("FCR_BOOT_KVM_WAIT", "60"))
QEMU = os.environ.get("FCR_BOOT_QEMU", "qemu-system-x86_64")    # the self-test's stand-in
SUITE = sys.argv[sys.argv.index("--suite") + 1] if "--suite" in sys.argv[:-1] else "bookworm"

passed = failed = 0


def say(msg):
    print(f"boot-test [{time.strftime('%H:%M:%S')}]: {msg}", flush=True)


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS: {what}", flush=True)
    else:
        failed += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""), flush=True)
    return ok


def skip(why):
    # CI sets FCR_BOOT_REQUIRED: there a missing tool is a failure.
    if os.environ.get("FCR_BOOT_REQUIRED"):
        print(f"FAIL: the boot test cannot run: {why}", flush=True)
        sys.exit(1)
    print(f"SKIP: {why}", flush=True)
    sys.exit(77)


def sh(*cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def out(*cmd, **kw):
    return subprocess.run(cmd, check=kw.pop("check", True), capture_output=True, text=True, **kw).stdout


# ---------------------------------------------------------------- set-up

def preflight():
    if os.geteuid() != 0:
        skip("needs root (loop devices to install into the guest image, the crash generator)")
    for tool in ("qemu-system-x86_64", "mmdebstrap", "qemu-img", "dpkg-buildpackage", "dh", "lintian"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed (Debian packages qemu-system-x86, qemu-utils, mmdebstrap, "
                 "dpkg-dev, debhelper, lintian)")
    if subprocess.run(["losetup", "-f"], capture_output=True).returncode:
        skip("no free loop device")


def accel():
    """KVM where it works; nested PVM (kvm_pvm) hangs a stock guest kernel."""
    want = os.environ.get("FCR_BOOT_ACCEL")
    if want:
        return want, f"{want} (FCR_BOOT_ACCEL)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg", "tcg (no usable /dev/kvm)"
    if os.path.exists("/sys/module/kvm_pvm"):
        return "tcg", "tcg (/dev/kvm is nested PVM, kvm_pvm, which hangs a stock guest kernel)"
    return "kvm", "kvm"


def host_suite():
    with open("/etc/os-release") as f:
        m = re.search(r"^VERSION_CODENAME=(\S+)", f.read(), re.M)
    return m.group(1) if m else None


def build_package(work):
    """The Debian packages, built as CI and an admin build them
    (scripts/build-deb.sh: dpkg-buildpackage from a clean copy of the tracked
    tree, then lintian, failing on an error), for the guest's release: in a
    chroot of it when the host runs another.  The test suite is not the
    package build's business here: nocheck."""
    pkgdir = os.path.join(work, "pkg")
    cmd = [os.path.join(SRC, "scripts", "build-deb.sh"), pkgdir]
    if SUITE != host_suite():
        cmd = [os.path.join(SRC, "tests", "foreign", "build-deb-chroot.sh"), SUITE, pkgdir]
    say(f"building the Debian package for the guest ({' '.join(os.path.relpath(c, SRC) for c in cmd[:1])} {SUITE})")
    log = os.path.join(work, "build-deb.log")
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=dict(os.environ, DEB_BUILD_OPTIONS="nocheck"))
    text = open(log).read()
    check(r.returncode == 0, "package: dpkg-buildpackage builds it and lintian reports no errors",
          f"see {log}: " + text[-600:])
    if r.returncode:
        raise RuntimeError(f"no package to install; see {log}")
    warnings = [l for l in text.splitlines() if re.match(r"[WE]: ", l)]
    debs = sorted(glob.glob(os.path.join(pkgdir, "fcreplay_*.deb")))
    say(f"package: {', '.join(os.path.basename(d) for d in debs)}; lintian: {len(warnings)} warning(s)"
        + "".join(f"\n    {w}" for w in warnings))
    return debs


def crash_image(work, name, seed):
    """A dirty ext4 disk from the project's own crash generator, and the
    tree the kernel replays from it."""
    d = os.path.join(work, name)
    sh(os.path.join(SRC, "tests/crashgen/make-crash-image.sh"), d, "--seed", str(seed), "--ops", "120",
       "--profile", "mixed", "--size", "64M", env=dict(os.environ, top_builddir=BUILD), stdout=subprocess.DEVNULL)
    return d


def uuid_of(img):
    return out("blkid", "-o", "value", "-s", "UUID", img).strip()


def fstab_line(uuid, mnt, opts):
    # Pass 0: with pass 2, systemd-fsck@ would run e2fsck -a, which replays
    # the journal itself and hides who did it.
    return f"UUID={uuid} {mnt} ext4 {opts} 0 0\n"


def mount_when_plugged(uuid):
    """fstab options that start the mount when its device appears: systemd
    252 no longer has device units want their fstab mounts, so the mount is
    wanted by the device unit explicitly (and by nothing at boot)."""
    unit = out("systemd-escape", "--path", "--suffix=device", f"/dev/disk/by-uuid/{uuid}").strip()
    return f"x-systemd.wanted-by={unit}"


class Chroot:
    """The guest's root image mounted, with /dev, /proc and /sys bound, for
    dpkg and its maintainer scripts."""
    def __init__(self, root, work):
        self.root, self.mnt, self.binds = root, os.path.join(work, "mnt"), []

    def __enter__(self):
        os.makedirs(self.mnt, exist_ok=True)
        sh("mount", "-o", "loop", self.root, self.mnt)
        for d in ("dev", "proc", "sys"):
            sh("mount", "--bind", f"/{d}", os.path.join(self.mnt, d))
            self.binds.append(os.path.join(self.mnt, d))
        return self.mnt

    def __exit__(self, *exc):
        for b in reversed(self.binds):
            sh("umount", b)
        sh("umount", self.mnt)


def purge_package(root, work):
    """dpkg --purge fcreplay in the guest: the configuration goes, the
    initramfs is rebuilt without fcreplay.  Returns that initramfs."""
    with Chroot(root, work) as mnt:
        log = os.path.join(work, "dpkg-purge.log")
        with open(log, "w") as f:
            r = subprocess.run(["chroot", mnt, "dpkg", "--purge", "fcreplay"], stdout=f, stderr=subprocess.STDOUT,
                               env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        check(r.returncode == 0, "package: dpkg --purge removes it", f"see {log}")
        check(not os.path.exists(os.path.join(mnt, "etc/fcreplay")), "package: purging it removes /etc/fcreplay")
        initrd = sorted(glob.glob(os.path.join(mnt, "boot", "initrd.img-*")))[-1]
        listing = out("chroot", mnt, "lsinitramfs", "/boot/" + os.path.basename(initrd))
        check("fcreplay" not in listing, "package: removing it rebuilt the initramfs without fcreplay",
              "; ".join(l for l in listing.splitlines() if "fcreplay" in l)[:300])
        dest = os.path.join(work, "initrd-removed.img")
        shutil.copy(initrd, dest)
    return dest


def install_package(mnt, debs, work):
    """apt install ./fcreplay_*.deb, as an admin would, in a chroot of the
    guest (a Chroot): the package enables the unit and rebuilds the
    initramfs."""
    for deb in debs:
        shutil.copy(deb, os.path.join(mnt, "tmp"))
    log = os.path.join(work, "dpkg-i.log")
    with open(log, "w") as f:
        r = subprocess.run(["chroot", mnt, "dpkg", "-i", *[f"/tmp/{os.path.basename(d)}" for d in debs]],
                           stdout=f, stderr=subprocess.STDOUT, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    text = open(log).read()
    # The log's tail names what is missing (a library the guest lacks):
    # the boots after a failed install test nothing, so say why here.
    tail = " | ".join(text.strip().splitlines()[-6:])
    check(r.returncode == 0, "package: dpkg -i installs it in the guest", f"{tail} (see {log})")
    check("update-initramfs" in text, "package: installing it rebuilt the initramfs (the trigger ran)", f"see {log}")
    enabled = out("chroot", mnt, "systemctl", "is-enabled", "fcreplayd.service", check=False).strip()
    check(enabled == "enabled", "package: installing it enabled fcreplayd.service", enabled)


def build_dracut_initrd(mnt, work):
    """A second initrd, built by dracut in the guest (chroot) from what the
    package installed: dracut must find its 90fcreplay module where the
    .deb put it.  Not host-only: the chroot's host is not the guest."""
    kver = sorted(os.listdir(os.path.join(mnt, "lib/modules")))[-1]
    log = os.path.join(work, "dracut.log")
    t0 = time.monotonic()
    with open(log, "w") as f:
        # Only what this guest needs (every dracut module and storage
        # driver, compressed, took two minutes here; this, seconds).
        r = subprocess.run(["chroot", mnt, "dracut", "--force", "--no-hostonly", "--no-hostonly-cmdline",
                            "--no-early-microcode", "--no-compress",
                            "--modules", "systemd systemd-initrd dracut-systemd rootfs-block fs-lib base "
                            "kernel-modules udev-rules fcreplay",
                            "--drivers", "virtio_pci virtio_blk ext4 crc32c_generic",
                            "--kver", kver, "/boot/initrd-dracut.img"],
                           stdout=f, stderr=subprocess.STDOUT)
    text = open(log).read()
    check(r.returncode == 0 and "Including module: fcreplay" in text,
          "dracut: dracut in the guest builds an initrd with the package's 90fcreplay module",
          f"exit {r.returncode}; see {log}: " + text[-400:])
    if r.returncode:
        raise RuntimeError(f"no dracut initrd to boot; see {log}")
    dest = os.path.join(work, "initrd-dracut.img")
    shutil.copy(os.path.join(mnt, "boot/initrd-dracut.img"), dest)
    os.remove(os.path.join(mnt, "boot/initrd-dracut.img"))
    say(f"dracut initrd for {kver}: {os.path.getsize(dest) >> 20} MiB in {time.monotonic() - t0:.0f} s")
    return dest


def prepare_root(guest, work, debs, fstab, conf, dracut=False):
    """The cached guest image with the package and the test's units in it;
    returns the root image and the initramfs the package rebuilt (and with
    dracut, the initrd dracut built in the guest)."""
    root = os.path.join(work, "root.img")
    sh("cp", "--sparse=always", os.path.join(guest, "root.img"), root)
    with Chroot(root, work) as mnt:
        # fstab first: the initramfs is built from it (fsck.ext4 for /).
        with open(os.path.join(mnt, "etc/fstab"), "w") as f:
            f.write("LABEL=fcrguest / ext4 errors=remount-ro 0 1\n" + fstab)
        install_package(mnt, debs, work)
        initrd = os.path.join(work, "initrd.img")
        shutil.copy(sorted(glob.glob(os.path.join(mnt, "boot", "initrd.img-*")))[-1], initrd)
        lib = os.path.join(mnt, "usr/local/libexec/fcr-boot")
        os.makedirs(lib, exist_ok=True)
        shutil.copy(os.path.join(BUILD, "tests/crashgen/fcr-workload"), lib)
        shutil.copy(os.path.join(HERE, "guest/fcr-boot-check.sh"), lib)
        os.chmod(os.path.join(lib, "fcr-boot-check.sh"), 0o755)
        shutil.copy(os.path.join(HERE, "guest/fcr-boot-check.service"), os.path.join(mnt, "etc/systemd/system"))
        sh("systemctl", f"--root={mnt}", "enable", "fcr-boot-check.service",
           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for d in set(l.split()[1] for l in fstab.splitlines()):
            os.makedirs(mnt + d, exist_ok=True)
        with open(os.path.join(mnt, "etc/fcreplay/fcreplayd.conf"), "a") as f:
            f.write(conf)
        if dracut:
            return root, initrd, build_dracut_initrd(mnt, work)
    return root, initrd


# ---------------------------------------------------------------- a boot

class Guest:
    kvm_failed = False          # once KVM failed, every later boot uses TCG
    root_snapshot = False       # the bench: every boot from the same root image

    def __init__(self, work, guest, accel_kind, root, disks):
        self.work, self.guest, self.disks = work, guest, disks
        self.accel = "tcg" if Guest.kvm_failed else accel_kind
        self.root, self.initrd = root

    def boot(self, scenario, cmdline_extra="", on_request=None, root_spec="LABEL=fcrguest"):
        """Boot to poweroff (or to the guest's crash request).  Returns the
        extracted report directory and the seconds the boot took.  A KVM
        boot that fails before the guest kernel printed anything (qemu
        cannot use the accelerator, or the kernel hangs at once, as under
        nested PVM) is retried with TCG, and so are the later boots.  A
        guest kernel that panics before it runs the initramfs (nothing of
        the guest's ran, its disks are as they were) is booted once more:
        trixie's 6.12 hit an int3 Oops in its own text patching under TCG
        with 2 vCPUs, in one boot of four here."""
        panics = 0
        while True:
            self.early_panic = False
            res = self._boot(scenario, cmdline_extra, on_request, root_spec)
            if res is not None:
                return res
            if self.early_panic:
                panics += 1
                if panics > 1:
                    raise RuntimeError(f"boot '{scenario}': the guest kernel panicked before the initramfs twice")
                continue
            self.accel = "tcg"
            Guest.kvm_failed = True

    def _boot(self, scenario, cmdline_extra, on_request, root_spec):
        w = self.work
        report = os.path.join(w, f"report-{scenario}.img")
        with open(report, "wb") as f:
            f.truncate(64 << 20)
        console = os.path.join(w, f"console-{scenario}.log")
        serial2 = os.path.join(w, f"serial2-{scenario}.log")
        mon = os.path.join(w, f"monitor-{scenario}.sock")
        qerr = os.path.join(w, f"qemu-{scenario}.err")
        for p in (serial2, mon, console):
            if os.path.exists(p):
                os.remove(p)
        open(serial2, "w").close()
        cmd = [QEMU, "-machine", "pc", "-accel", self.accel, "-m", "1536", "-smp", "2",
               "-cpu", "host" if self.accel == "kvm" else "max",
               "-nographic", "-no-reboot", "-nodefaults",
               "-kernel", os.path.join(self.guest, "vmlinuz"), "-initrd", self.initrd,
               # ro, as Debian boots: the initramfs checks the root
               # before mounting it, after fcreplay has replayed it.
               "-append", f"root={root_spec} ro console=ttyS0 fcrtest={scenario} {cmdline_extra}".strip(),
               "-serial", f"file:{console}", "-serial", f"file:{serial2}",
               "-monitor", f"unix:{mon},server,nowait",
               "-drive", f"file={self.root},format=raw,if=none,id=root" + (",snapshot=on" if self.root_snapshot else ""),
               "-device", "virtio-blk-pci,drive=root"]
        for serial, img in self.disks:
            cmd += ["-drive", f"file={img},format=raw,if=none,id={serial}",
                    "-device", f"virtio-blk-pci,drive={serial},serial={serial}"]
        cmd += ["-drive", f"file={report},format=raw,if=none,id=rep",
                "-device", "virtio-blk-pci,drive=rep,serial=fcrreport"]
        say(f"boot '{scenario}' ({cmdline_extra or 'default command line'}; {self.accel})")
        start = time.monotonic()
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(qerr, "w"))
        seen = 0
        written = False
        kernel_spoke = self.accel != "kvm"      # only KVM boots are watched for it
        no_kvm = None
        try:
            while qemu.poll() is None:
                if time.monotonic() - start > BOOT_LIMIT:
                    qemu.kill()
                    raise RuntimeError(f"boot '{scenario}' did not finish in {BOOT_LIMIT} s; see {console}")
                if self.panicked_early(console):
                    self.early_panic = True
                    break
                if not kernel_spoke:
                    kernel_spoke = self.kernel_spoke(console)
                    if not kernel_spoke and time.monotonic() - start > KVM_WAIT:
                        no_kvm = f"the guest kernel printed nothing in {KVM_WAIT} s"
                        break
                seen, written = self.serial_lines(serial2, seen, written, qemu, start, on_request, mon)
                time.sleep(0.5)
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
        # What the guest wrote in its last half second.
        seen, written = self.serial_lines(serial2, seen, written, None, start, None, mon)
        if not kernel_spoke and not no_kvm and not self.kernel_spoke(console):
            err = open(qerr, errors="replace").read().strip()
            no_kvm = f"qemu exited with status {qemu.returncode} before the guest kernel printed anything" + \
                (f" ({err.splitlines()[-1][:200]})" if err else "")
        if self.early_panic:
            say(f"boot '{scenario}': the guest kernel panicked before running the initramfs (not fcreplay: "
                f"nothing of the guest ran); see {console}. Booting it once more")
            shutil.copy(console, console + ".panic")
            os.remove(report)
            return None
        if no_kvm:
            # Nothing ran in the guest, so its disks are as they were.
            say(f"boot '{scenario}': KVM does not work here: {no_kvm}; see {qerr}. "
                "Retrying this boot, and the later ones, with TCG")
            os.remove(report)
            return None
        took = time.monotonic() - start
        say(f"boot '{scenario}' ended after {took:.0f} s")
        if not written:
            raise RuntimeError(f"boot '{scenario}' wrote no report; see {console}")
        rdir = os.path.join(w, f"report-{scenario}")
        shutil.rmtree(rdir, ignore_errors=True)
        os.makedirs(rdir)
        with tarfile.open(report) as t:
            t.extractall(rdir)
        os.remove(report)
        return Report(rdir), took

    @classmethod
    def serial_lines(cls, serial2, seen, written, qemu, start, on_request, mon):
        """The guest's new lines on the second serial port: the report is
        written, or a request (a power cut, a hot-plug).  With no qemu (it
        has exited) only the former counts."""
        with open(serial2) as f:
            lines = f.read().splitlines()
        for line in lines[seen:]:
            if line.strip() == "FCR-REPORT-WRITTEN":
                written = True
            m = re.match(r"FCR-REQUEST (\S+)", line.strip())
            if m and qemu:
                say(f"guest asks: {m.group(1)} ({time.monotonic() - start:.0f} s into the boot)")
                if m.group(1) == "crash":
                    # The power cut: no shutdown, no flush.
                    qemu.send_signal(signal.SIGKILL)
                elif on_request:
                    on_request(m.group(1), lambda c: cls.monitor(mon, c))
        return len(lines), written

    @staticmethod
    def panicked_early(console):
        """Did the guest kernel panic before it ran the initramfs's /init?"""
        try:
            with open(console, errors="replace") as f:
                t = f.read()
        except FileNotFoundError:
            return False
        return "Kernel panic" in t and "Run /init as init process" not in t

    @staticmethod
    def kernel_spoke(console):
        """Has the guest kernel printed its banner on the console?"""
        try:
            with open(console, errors="replace") as f:
                return "Linux version" in f.read()
        except FileNotFoundError:
            return False

    @staticmethod
    def monitor(path, command):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.settimeout(10)
        s.recv(4096)                    # the banner
        s.sendall(command.encode() + b"\n")
        time.sleep(0.5)
        reply = s.recv(65536).decode(errors="replace")
        s.close()
        return reply


# ---------------------------------------------------------------- reading a report

class Report:
    def __init__(self, d):
        self.d = d

    def text(self, name, default=""):
        p = os.path.join(self.d, name)
        return open(p, errors="replace").read() if os.path.exists(p) else default

    def rc(self, name):
        t = self.text(name + ".rc").strip()
        return int(t) if t else None

    def journal(self, suffix="-final"):
        entries = []
        for line in self.text(f"journal{suffix}.json").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
        return entries

    def units(self, suffix=""):
        """systemctl show output: {unit: {property: value}}."""
        units, cur = {}, {}
        for line in self.text(f"units{suffix}.txt").splitlines() + [""]:
            if not line.strip():
                if "Id" in cur:
                    units[cur["Id"]] = cur
                cur = {}
            elif "=" in line:
                k, v = line.split("=", 1)
                cur[k] = v
        return units

    def dev(self, serial):
        """The guest's name for the disk with this serial (vdb, ...)."""
        m = re.search(rf"virtio-{serial} -> \.\./\.\./(\w+)", self.text("by-id.txt"))
        return m.group(1) if m else None


def msg(e):
    m = e.get("MESSAGE", "")
    return bytes(m).decode(errors="replace") if isinstance(m, list) else str(m)


def fcreplayd_entries(entries, dev=None, result=None):
    return [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "fcreplayd"
            and (dev is None or e.get("DEVICE") == f"/dev/{dev}")
            and (result is None or e.get("RESULT") == result)]


def kernel_said(r, dev, what, suffix="-final"):
    """Did the kernel log "EXT4-fs (dev): what" ("recovery complete": it
    replayed the journal at mount; "mounted filesystem")?"""
    return re.search(rf"EXT4-fs \({dev}\): {what}", r.text(f"dmesg{suffix}.txt")) is not None


def who_replayed(r, dev, suffix="-final"):
    """'fcreplayd', 'kernel', 'both' or 'none': the one judgement the
    negative control must see flip."""
    fc = bool(fcreplayd_entries(r.journal(suffix), dev, "replayed"))
    k = kernel_said(r, dev, "recovery complete", suffix)
    return {(True, False): "fcreplayd", (False, True): "kernel", (True, True): "both"}.get((fc, k), "none")


def mono(units, unit, prop):
    try:
        return int(units[unit][prop])
    except (KeyError, ValueError):
        return 0


# ---------------------------------------------------------------- the checks

def check_common(r, name, unit=True):
    j = r.journal()
    text = r.text("journal.txt")
    check(bool(j) and text, f"{name}: the guest's journal was collected")
    cyc = [l for l in text.splitlines() if re.search(r"ordering cycle|Job .* deleted to break", l)]
    check(not cyc, f"{name}: no ordering cycle in the boot transaction", "; ".join(cyc[:3]))
    if not unit:
        return
    # The unit may need the root file system and /run (RuntimeDirectory=),
    # both there before any unit starts; nothing ordered after local-fs.target.
    deps = dict(l.split("=", 1) for l in r.text("fcreplayd-deps.txt").splitlines() if "=" in l)
    after = deps.get("After", "").split()
    late = [u for u in after if (u.endswith(".mount") and u != "-.mount") or u.startswith("systemd-tmpfiles")]
    paths = [p for p in deps.get("RequiresMountsFor", "").split() if not p.startswith("/run/")]
    check("After" in deps and not late and not paths, f"{name}: fcreplayd.service has no mount-implied dependency "
          "beyond / and /run", f"After: {late}, RequiresMountsFor: {paths}")
    m = re.search(r"Overall exposure level for fcreplayd.service: ([\d.]+)", r.text("security.out"))
    check(m and float(m.group(1)) <= 3.0, f"{name}: systemd-analyze security in the guest is 3.0 or better",
          m.group(1) if m else r.text("security.out")[-300:])
    if m:
        say(f"{name}: systemd-analyze security fcreplayd.service: {m.group(1)}")


def check_replayed_by_fcreplayd(r, name, dev):
    who = who_replayed(r, dev, "-final")
    check(who == "fcreplayd", f"{name}: /dev/{dev} was replayed by fcreplayd, not by the kernel", who)
    check(kernel_said(r, dev, "mounted filesystem"), f"{name}: the kernel mounted /dev/{dev}")


def check_replayed_before_mount(r, name, dev, mount_unit, suffix=""):
    """fcreplayd replayed dev, READY=1 came before the mount unit started,
    and the kernel did not replay it."""
    check_replayed_by_fcreplayd(r, name, dev)
    u = r.units(suffix)
    ready = mono(u, "fcreplayd.service", "ActiveEnterTimestampMonotonic")
    started = mono(u, mount_unit, "InactiveExitTimestampMonotonic")
    check(ready and started and ready < started,
          f"{name}: fcreplayd's READY=1 came before {mount_unit} started", f"READY at {ready}, mount at {started}")
    if ready and started:
        say(f"{name}: READY=1 {((started - ready) / 1000):.1f} ms before {mount_unit} started")
    # A disk udevd had not processed when fcreplayd started is replayed
    # after READY=1, held back by udev meanwhile: the replay's end counts.
    es = fcreplayd_entries(r.journal(), dev, "replayed")
    done = int(es[0].get("__MONOTONIC_TIMESTAMP", 0)) if es else 0
    check(done and started and done < started, f"{name}: the replay of /dev/{dev} ended before {mount_unit} started",
          f"replayed at {done}, mount at {started}")
    return ready, started


def check_fields(r, name, dev):
    es = fcreplayd_entries(r.journal(), dev, "replayed")
    e = es[0] if es else {}
    missing = [k for k in ("DEVICE", "RESULT", "TAGS", "MESSAGE_ID") if k not in e]
    check(es and not missing, f"{name}: fcreplayd's journal entry carries DEVICE=, RESULT=, TAGS=, MESSAGE_ID=",
          f"missing {missing}" if es else "no entry")
    if e:
        say(f"{name}: {e.get('DEVICE')} RESULT={e.get('RESULT')} TAGS={e.get('TAGS')}: {msg(e)}")


def check_tree(img, expected, name):
    """A disk after poweroff: fsck-clean, and the generator's tree."""
    fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    check(fsck.returncode == 0, f"{name}: e2fsck -fn is clean after poweroff", fsck.stdout[-500:])
    if expected:
        got = out(os.path.join(BUILD, "tests/tools/fcr-fctree"), img, check=False)
        want = open(expected).read()
        check(got == want, f"{name}: the disk has the generator's expected tree",
              f"diff {img} against {expected}")


def check_main(r, data_dir, hot_dir, data_img, hot_img):
    name = "main"
    check_common(r, name)
    vdata, vhot = r.dev("fcrdata"), r.dev("fcrhot")
    check_replayed_before_mount(r, name, vdata, "data.mount")
    check_fields(r, name, vdata)
    check_root(r, name, "clean")
    # The D-Bus name appears with no client's help.
    u = r.units()
    pid = u.get("fcreplayd.service", {}).get("MainPID", "?")
    names = r.text("busnames.out")
    check(re.search(rf"^org\.fcreplay1\s+{pid}\s", names, re.M) is not None,
          f"{name}: fcreplayd (pid {pid}) owns org.fcreplay1 before any client asked", names[-400:])
    status = r.text("status.out")
    check(r.rc("status") == 0 and '"devices"' in status, f"{name}: fcreplayctl status works", status[-300:])
    try:
        st = json.loads(status)
        devs = {d.get("device"): d.get("state") for d in st.get("devices", [])}
        check(devs.get("/dev/vda") == "mounted", f"{name}: fcreplayctl status lists the mounted root as mounted "
              "(not dirty)", str(devs))
    except ValueError:
        check(False, f"{name}: fcreplayctl --json status is JSON", status[-300:])
    j = r.journal()
    check(r.rc("reload") == 0 and any("configuration reloaded" in msg(e) for e in fcreplayd_entries(j)),
          f"{name}: systemctl reload fcreplayd works", r.text("reload.out"))
    # An admin's replay of a disk dirtied after boot.
    check(r.rc("spare-dirty") == 0, f"{name}: the spare disk was dirty after the in-guest crash workload",
          r.text("spare-workload.out")[-300:])
    try:
        rep = json.loads(r.text("spare-replay.out"))
    except ValueError:
        rep = {}
    check(r.rc("spare-replay") == 0 and rep.get("success") is True and rep.get("result") == "replayed",
          f"{name}: fcreplayctl replay works on a disk dirtied after boot", r.text("spare-replay.out")[-400:])
    check(r.rc("spare-fsck") == 0, f"{name}: the spare disk is e2fsck-clean after that replay",
          r.text("spare-fsck.out")[-300:])
    # The hot-added disk: held until replayed, then mounted by its fstab entry.
    check(r.rc("hot-mounted") == 0, f"{name}: the hot-added disk was mounted by its fstab entry")
    if vhot:
        # READY=1 is long past: what counts is the replay's end against
        # the start of the mount that the device's appearance pulled in.
        check_replayed_by_fcreplayd(r, f"{name}, hot-added", vhot)
        es = fcreplayd_entries(j, vhot, "replayed")
        uf = r.units("-final")
        started = mono(uf, "hot.mount", "InactiveExitTimestampMonotonic")
        done = int(es[0].get("__MONOTONIC_TIMESTAMP", 0)) if es else 0
        check(done and started and done < started, f"{name}: the hot-added disk's replay ended before hot.mount started",
              f"replayed at {done}, mount at {started}")
        # Held by udev, not merely fast: fcreplayd released it to systemd.
        rel = [e for e in fcreplayd_entries(j, None) if msg(e).startswith(f"/dev/{vhot}: released to systemd")]
        rel_at = int(rel[0].get("__MONOTONIC_TIMESTAMP", 0)) if rel else 0
        check(rel and done <= rel_at < started, f"{name}: udev held the hot-added disk until fcreplayd released it",
              f"released at {rel_at}, mount at {started}")
    else:
        check(False, f"{name}: the hot-added disk appeared in the guest", r.text("by-id.txt"))
    # Activation through the bus.
    check(r.rc("stop") == 0 and r.rc("activation") == 0 and r.text("activated.out").strip() == "active",
          f"{name}: a client call activates a stopped fcreplayd through D-Bus",
          r.text("activation.out")[-300:] + r.text("activated.out"))
    check_tree(data_img, os.path.join(data_dir, "expected.tree"), f"{name}, /data")
    check_tree(hot_img, os.path.join(hot_dir, "expected.tree"), f"{name}, hot-added disk")


def initramfs_result(r, suffix=""):
    """The initramfs's verdict on the root, from the guest's journal:
    (device, result, message).  fcreplay-root writes "fcreplay: root DEV:
    RESULT (...)" to /dev/kmsg; journald files it with
    SYSLOG_IDENTIFIER=fcreplay and MESSAGE="root DEV: RESULT (...)"."""
    for e in r.journal(suffix):
        if e.get("SYSLOG_IDENTIFIER") != "fcreplay":
            continue
        # "root LABEL=x (/dev/vda): clean (...)", or "root /dev/vda: ..."
        m = re.match(r"root (.+?): (replayed|clean|skipped|refused|failed|timeout) \(.*", msg(e))
        if m:
            dev = re.search(r"(/dev/\w+)\)?$", m.group(1))
            return dev.group(1) if dev else m.group(1), m.group(2), m.group(0)
    return None, None, ""


def check_root(r, name, want, console=None):
    """The root file system: what the initramfs said, and that the kernel
    did not replay it at mount."""
    dev, result, line = initramfs_result(r)
    check(result == want, f"{name}: the initramfs says the root is {want} (in the journal: SYSLOG_IDENTIFIER=fcreplay)",
          line or "no 'root ...' entry with SYSLOG_IDENTIFIER=fcreplay in the journal")
    if line:
        say(f"{name}: {line}")
    if want == "replayed":
        check(dev == "/dev/vda" and not kernel_said(r, "vda", "recovery complete", ""),
              f"{name}: the kernel logged no recovery for the root at mount", f"{dev}")
    if console:
        text = open(console, errors="replace").read()
        # e2fsck -a names the file system by its label.
        check(re.search(r"^(/dev/vda|fcrguest): clean, ", text, re.M) is not None,
              f"{name}: the initramfs's fsck finds the root clean", "no 'fcrguest: clean,' on the console")


def check_clean_shutdown(r, name):
    """The previous boot's last stop of fcreplayd: STOPPING=1 (the daemon's
    "stopping" line, logged with it) and no stop timeout.  Only entries
    after its last start count: an earlier systemctl stop in that boot (the
    main boot stops it before the D-Bus activation check) says nothing
    about the shutdown."""
    prev = r.journal("-prev")
    mine = [e for e in prev if e.get("_SYSTEMD_UNIT") == "fcreplayd.service" or e.get("UNIT") == "fcreplayd.service"]
    starts = [i for i, e in enumerate(mine) if msg(e).startswith("Started fcreplayd.service")]
    last = mine[starts[-1] + 1:] if starts else []
    stopping = [e for e in last if msg(e) == "stopping" and e.get("SYSLOG_IDENTIFIER") == "fcreplayd"]
    timeouts = [msg(e) for e in last if re.search(r"State '\S+' timed out|Killing process|Failed with result 'timeout'|"
                                                  r"SIGKILL", msg(e))]
    done = [e for e in last if "Deactivated successfully" in msg(e) or msg(e).startswith("Stopped fcreplayd.service")]
    return check(prev and starts and stopping and done and not timeouts,
          f"{name}: the previous boot's shutdown stopped fcreplayd cleanly (after its last start: STOPPING=1, "
          "no stop timeout)",
          f"starts={len(starts)} stopping={len(stopping)} stopped={len(done)} timeouts={timeouts[:2]}")


def check_skipcrash(r):
    name = "skip (negative control)"
    check_common(r, name)
    check_clean_shutdown(r, name)
    vdata = r.dev("fcrdata")
    who = who_replayed(r, vdata, "")
    check(who == "kernel", f"{name}: with fcreplay.mode=skip the kernel replayed /dev/{vdata} at mount", who)
    check_root(r, name, "skipped")
    reported = [e for e in fcreplayd_entries(r.journal(""), vdata, "skipped") if "skip" in msg(e)]
    check(reported, f"{name}: fcreplayd reported /dev/{vdata} as dirty and not replayed")
    check(r.rc("crash-workload") == 0, f"{name}: the fsync workload on /data ran",
          r.text("crash-workload.out")[-300:])
    check(r.text("manifest-before.txt").count("\n") > 10, f"{name}: the files written before the power cut were listed")
    say(f"{name}: the guest kernel's fast-commit statistics for /data: " +
        " ".join(r.text("fc_info.txt").split())[:400])


def check_aftercrash(r, data_img, root_img, before, root_before, console):
    name = "after the power cut"
    check_common(r, name)
    vdata = r.dev("fcrdata")
    check_replayed_before_mount(r, name, vdata, "data.mount")
    after = r.text("manifest-after.txt")
    check(after and after == before, f"{name}: every file fsync'd on /data before the power cut is there, as it was",
          "manifests differ" if after else "no manifest")
    check_root(r, name, "replayed", console)
    after = r.text("manifest-root-after.txt")
    check(after and after == root_before,
          f"{name}: every file fsync'd on the root before the power cut is there, as it was",
          "manifests differ" if after else "no manifest")
    check(r.rc("root-workload2") == 0, f"{name}: the fsync workload on the root for the dracut boot ran",
          r.text("root-workload2.out")[-300:])


def check_dracut(r, root_before, data_img, root_img):
    """The boot from dracut's initrd after the second power cut, with
    fcreplayd masked: the initrd's fcreplay-root.service replayed the
    root; /data, dirty from the power cut, is replayed by the kernel at
    mount and not held back by the udev rule with no daemon to release it."""
    name = "dracut"
    check_common(r, name, unit=False)
    j = r.journal()
    dev, result, line = initramfs_result(r)
    # dracut hands over sysroot.mount's What=, the by-label path.
    check(result == "replayed" and dev in ("/dev/vda", "/dev/disk/by-label/fcrguest"),
          f"{name}: fcreplay-root replayed the root in the initrd (in the journal: SYSLOG_IDENTIFIER=fcreplay)",
          line or "no 'root ...' entry with SYSLOG_IDENTIFIER=fcreplay in the journal")
    if line:
        say(f"{name}: {line}")
    at = [int(e.get("__MONOTONIC_TIMESTAMP", 0)) for e in j
          if e.get("SYSLOG_IDENTIFIER") == "fcreplay" and msg(e) == line]
    ran = [e for e in j if e.get("UNIT") == "fcreplay-root.service" and msg(e).startswith("Finished fcreplay-root")]
    mounting = [int(e.get("__MONOTONIC_TIMESTAMP", 0)) for e in j
                if e.get("UNIT") == "sysroot.mount" and msg(e).startswith("Mounting sysroot.mount")]
    check(at and ran and mounting and at[0] < mounting[0],
          f"{name}: fcreplay-root.service ran in the initrd and replayed before sysroot.mount started",
          f"result at {at[:1]}, fcreplay-root.service finished: {len(ran)}, sysroot.mount started at {mounting[:1]}")
    check(not kernel_said(r, "vda", "recovery complete", ""), f"{name}: the kernel logged no recovery for the root at mount")
    after = r.text("manifest-root2-after.txt")
    check(after and after == root_before,
          f"{name}: every file fsync'd on the root before the second power cut is there, as it was",
          "manifests differ" if after else "no manifest")
    # The administrator who masks fcreplayd still boots: the udev rule
    # holds a device only while the daemon runs (/run/fcreplayd/auto).
    u = r.units("-final")
    vdata = r.dev("fcrdata")
    check(u.get("fcreplayd.service", {}).get("LoadState") == "masked"
          and u.get("fcreplayd.service", {}).get("ActiveState") == "inactive",
          f"{name}: fcreplayd.service is masked and did not run", str(u.get("fcreplayd.service")))
    check("No such file" in r.text("run-fcreplayd.txt"), f"{name}: no /run/fcreplayd, so no auto marker for the "
          "udev rule's helper", r.text("run-fcreplayd.txt")[:200])
    check(u.get("data.mount", {}).get("ActiveState") == "active" and who_replayed(r, vdata) == "kernel",
          f"{name}: with fcreplayd masked, the dirty /data is not held back: the kernel replayed it at mount",
          f"data.mount {u.get('data.mount', {}).get('ActiveState')}, replayed by {who_replayed(r, vdata)}")
    check_tree(root_img, None, f"{name}, the root")
    check_tree(data_img, None, f"{name}, /data")


def fast_commit_tags(img):
    """How many fast-commit tags a replay of img would apply (a dry run on a copy)."""
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(img)) as t:
        sh("cp", "--sparse=always", img, t.name)
        j = subprocess.run([os.path.join(BUILD, "fcreplay"), "--json", "replay", "--dry-run", t.name],
                           capture_output=True, text=True, env=dict(os.environ, FCREPLAY_CONFIG="/dev/null"))
        try:
            # No "fast_commit" object: none to replay.
            return json.loads(j.stdout).get("fast_commit", {}).get("tags", 0), ""
        except (ValueError, AttributeError):
            return -1, j.stdout[-400:] + j.stderr[-400:]


# ---------------------------------------------------------------- make bench

# Boots per side and disk count (FCR_BOOT_BENCH_RUNS): one boot is one to
# two minutes under TCG.
BENCH_RUNS = int(os.environ.get("FCR_BOOT_BENCH_RUNS", "5"))
# Restarts of the daemon in a profiling boot, after the boot, each way.
BENCH_RESTARTS = 5


def bench_root(base, work, name, n, daemon=None, env=None, dropin=None, profile=False):
    """A copy of the bench's root image (base: the package installed) for
    n data disks (/b0 ... by serial: the disks are copies of one image):
    the fstab's data lines only change, not the initramfs (built for the
    root alone).  A fixed machine-id, so that no boot is a first boot
    (every boot starts from this image: qemu's snapshot=on); another
    fcreplayd in place of the packaged one (FCR_BOOT_BENCH_DAEMON),
    environment for it (FCR_BOOT_BENCH_ENV) and a drop-in for its unit
    (FCR_BOOT_BENCH_DROPIN) if asked; with profile, the daemon's debug
    log and ld.so's statistics, in a drop-in of their own (bench-profile.conf,
    which the guest removes before it restarts the daemon for timing)."""
    root = os.path.join(work, f"root-{name}.img")
    sh("cp", "--sparse=always", base[0], root)
    with Chroot(root, work) as mnt:
        with open(os.path.join(mnt, "etc/fstab"), "a") as f:
            for i in range(max(n, 1)):
                f.write(f"/dev/disk/by-id/virtio-fcrb{i} /b{i} ext4 noatime 0 0\n")
                os.makedirs(os.path.join(mnt, f"b{i}"), exist_ok=True)
        with open(os.path.join(mnt, "etc/machine-id"), "w") as f:
            f.write(os.urandom(16).hex() + "\n")
        if daemon:
            shutil.copy(daemon, os.path.join(mnt, "usr/sbin/fcreplayd"))
        d = os.path.join(mnt, "etc/systemd/system/fcreplayd.service.d")
        if env or dropin or profile:
            os.makedirs(d, exist_ok=True)
        if profile:
            with open(os.path.join(d, "bench-profile.conf"), "w") as f:
                f.write("[Service]\nEnvironment=FCREPLAYD_DEBUG=1 LD_DEBUG=statistics\n")
        if env:
            with open(os.path.join(d, "bench.conf"), "w") as f:
                f.write(f"[Service]\nEnvironment={env}\n")
        if dropin:
            shutil.copy(dropin, os.path.join(d, "bench-dropin.conf"))
    return root, base[1]


def bench_disks(work, img, n):
    """Fresh copies for one boot: n of the crash image, or with n = 0 one
    clean file system (a clean boot still mounts a data disk)."""
    disks = [(f"fcrb{i}", os.path.join(work, f"b{i}.img")) for i in range(max(n, 1))]
    for _, d in disks:
        if n:
            sh("cp", "--sparse=always", img, d)
        else:
            with open(d, "wb") as f:
                f.truncate(64 << 20)
            sh("mkfs.ext4", "-q", "-F", "-O", "fast_commit", d)
    return disks


def bench_boot(work, guest, accel_kind, root, img, n, side, keep, tag, extra=""):
    """One boot, fcreplayd enabled ("fcreplayd") or masked ("masked"):
    guest monotonic milliseconds of what it reached, the host's load."""
    disks = bench_disks(work, img, n)
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    g = Guest(work, guest, accel_kind, root, disks)
    g.root_snapshot = True
    r, took = g.boot("bench", " ".join(filter(None, ("systemd.mask=fcreplayd.service" if side == "masked" else "",
                                                     extra))))
    if keep:
        d = f"{r.d}-{n}-{side}-{tag}"
        shutil.rmtree(d, ignore_errors=True)
        os.rename(r.d, d)
        r = Report(d)
    u = r.units("-bench")
    ms = lambda unit, prop: mono(u, unit, prop) / 1000
    user = mono(r.units("-manager"), "manager", "UserspaceTimestampMonotonic") / 1000
    who = [who_replayed(r, r.dev(serial), "") for serial, _ in disks] if n else []
    if side == "masked" and u.get("fcreplayd.service", {}).get("ActiveState") != "inactive":
        raise RuntimeError(f"systemd.mask=fcreplayd.service: fcreplayd ran all the same: {u.get('fcreplayd.service')}")
    start, ready = ms("fcreplayd.service", "ExecMainStartTimestampMonotonic"), \
        ms("fcreplayd.service", "ActiveEnterTimestampMonotonic")
    # The data disks' device units appeared: from then on only READY=1
    # (local-fs-pre.target) held their mounts back.
    devices = [mono(u, k, "ActiveEnterTimestampMonotonic") / 1000 for k in u if k.endswith(".device")]
    return {"local_fs": ms("local-fs.target", "ActiveEnterTimestampMonotonic"), "userspace": user,
            "ready": ready - start if start and ready else None, "start": start or None,
            "udev_trigger": ms("systemd-udev-trigger.service", "ActiveEnterTimestampMonotonic"),
            "local_fs_pre": ms("local-fs-pre.target", "ActiveEnterTimestampMonotonic"),
            "devices": max(devices) if devices and all(devices) else None,
            "replayed_by_side": sum(w == ("kernel" if side == "masked" else "fcreplayd") for w in who),
            "load": load, "seconds": took, "report": r}


def med(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def spread_ms(xs):
    """median [min, max] of the figures that exist."""
    xs = [x for x in xs if x is not None]
    return f"{med(xs):.0f} [{min(xs):.0f}, {max(xs):.0f}]" if xs else "?"


def bench_profile(r):
    """The profiling boot: what fcreplayd logged until READY=1, at the time
    journald received it (from the daemon's start, as systemd forked it),
    and ld.so's statistics (LD_DEBUG=statistics, on its stderr)."""
    u = r.units("-bench")
    start = mono(u, "fcreplayd.service", "ExecMainStartTimestampMonotonic")
    ready = (mono(u, "fcreplayd.service", "ActiveEnterTimestampMonotonic") - start) / 1000
    at = lambda e: (int(e.get("__MONOTONIC_TIMESTAMP", 0)) - start) / 1000
    j = [e for e in r.journal("") if (e.get("_SYSTEMD_UNIT") == "fcreplayd.service"
                                      or e.get("SYSLOG_IDENTIFIER") == "fcreplayd") and at(e) <= ready]
    lines = [(at(e), msg(e).strip()[:110]) for e in j if e.get("SYSLOG_IDENTIFIER") == "fcreplayd"]
    lines += [(at(e), "ld.so: " + msg(e).strip().split(":", 1)[-1].strip()) for e in j
              if re.search(r"startup time|relocation:|number of relocations:|load objects", msg(e))]
    lines.append((ready, "READY=1 (the unit became active)"))
    return [f"      {t:8.1f} ms  {m}" for t, m in sorted(lines)]


def bench_restarts(r):
    """The guest's restarts of fcreplayd after the boot (warm caches, a
    settled system): start to READY=1 as shipped and without the sandbox
    (the unit's hardening reset by a runtime drop-in)."""
    lines = []
    for what in ("shipped", "nosandbox"):
        times = []
        for line in r.text(f"restarts-{what}.txt").splitlines():
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            start, ready = int(f.get("ExecMainStartTimestampMonotonic", 0)), int(f.get("ActiveEnterTimestampMonotonic", 0))
            if start and ready > start:
                times.append((ready - start) / 1000)
        lines.append(f"      after the boot, {len(times)} restarts {'as shipped' if what == 'shipped' else 'without the sandbox'}: "
                     f"start to READY=1 {spread_ms(times)} ms ({' '.join(f'{t:.0f}' for t in times)})")
    return lines


def bench(counts):
    """Boot figures: local-fs.target with fcreplayd enabled against
    fcreplayd masked (systemd.mask=: with fcreplay.mode=skip it would still
    start, and local-fs-pre.target would still wait for its READY=1), for
    a clean boot (0: one clean data disk) and N dirty data disks, each
    side BENCH_RUNS times, interleaved (A B A B ...) so that the host's
    drift hits both, every boot from the same root image.  Numbers, not
    pass/fail."""
    preflight()
    keep = os.environ.get("FCR_BOOT_WORK")
    daemon = os.environ.get("FCR_BOOT_BENCH_DAEMON")
    env = os.environ.get("FCR_BOOT_BENCH_ENV")
    dropin = os.environ.get("FCR_BOOT_BENCH_DROPIN")
    variant = daemon or env or dropin
    profile = os.environ.get("FCR_BOOT_BENCH_PROFILE")
    work = keep or tempfile.mkdtemp(prefix="fcr-boot-bench.")
    os.makedirs(work, exist_ok=True)
    t0 = time.monotonic()
    try:
        accel_kind, accel_why = accel()
        guest = out(os.path.join(HERE, "make-guest.sh")).strip()
        debs = sorted(glob.glob(os.path.join(os.environ["FCR_BOOT_BENCH_DEBS"], "fcreplay_*.deb"))) \
            if os.environ.get("FCR_BOOT_BENCH_DEBS") else build_package(work)
        img = os.path.join(crash_image(work, "gen", 3), "crash.img")
        base = prepare_root(guest, work, debs, "", "")
        rows, notes = [], []
        for n in counts:
            roots = {"fcreplayd": bench_root(base, work, "pkg", n)}
            roots["masked"] = roots["fcreplayd"]
            sides = ["fcreplayd", "masked"]
            if variant:
                roots["variant"] = bench_root(base, work, "variant", n, daemon, env, dropin)
                sides.insert(1, "variant")
            res = {side: [] for side in sides}
            for i in range(BENCH_RUNS):
                for side in sides:
                    b = bench_boot(work, guest, accel_kind, roots[side], img, n, side, keep, str(i))
                    res[side].append(b)
                    if n and b["replayed_by_side"] != n:
                        notes.append(f"{n} disks, {side}, boot {i + 1}: {b['replayed_by_side']} of {n} replayed by "
                                     f"{'the kernel' if side == 'masked' else 'fcreplayd'}")
            prof = []
            for side in [s for s in sides if s != "masked"] if profile else []:
                # Its own root image: the side's, with the debug log and
                # ld.so's statistics; after the boot, the guest restarts the
                # daemon (without them) as shipped and without its sandbox.
                proot = bench_root(base, work, "profile", n, daemon if side == "variant" else None,
                                   env if side == "variant" else None, dropin if side == "variant" else None, True)
                r = bench_boot(work, guest, accel_kind, proot, img, n, side, keep, "profile-" + side,
                               f"fcrbench.restarts={BENCH_RESTARTS}")["report"]
                prof += [f"   -- {n} dirty, {side}, profiled (FCREPLAYD_DEBUG=1, LD_DEBUG=statistics; one boot):"]
                prof += bench_profile(r) + bench_restarts(r)
                os.remove(proot[0])
            for r in set(roots.values()):
                os.remove(r[0])
            rows.append((n, res, prof))
        bench_print(rows, notes, accel_why, " ".join(filter(None, (daemon, env, dropin and "drop-in " + dropin))),
                    time.monotonic() - t0)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def paired(a, b, key):
    """key(A) - key(B) over the boots made one after the other: median [min, max]."""
    d = [key(x) - key(y) for x, y in zip(a, b) if key(x) is not None and key(y) is not None]
    return f"{med(d):+.0f} [{min(d):+.0f}, {max(d):+.0f}]" if d else "?"


def bench_print(rows, notes, accel_why, variant, took):
    sides = [s for s in rows[0][1] if s != "masked"] if rows else []
    print(f"\nboot figures ({accel_why}; guest monotonic milliseconds; median [min, max] of {BENCH_RUNS} boots "
          f"per side, interleaved ({' '.join(sides + ['masked'])} ...); {took / 60:.0f} minutes)")
    print("fcreplayd: the package's daemon enabled; masked: systemd.mask=fcreplayd.service (the kernel replays at "
          "mount)" + (f"; variant: {variant}" if variant else "") + ";\n'paired': the median of the differences "
          "of boots made one after the other; 'userspace': local-fs.target counted from systemd's start in the "
          "root file system\n(no kernel or initramfs time in it); load: the host's 1-minute load average")
    print("| dirty disks | side | start to READY=1 | local-fs.target | masked: local-fs.target | difference of medians "
          "| paired difference | paired difference, userspace | READY=1 after the last data disk appeared | host load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    user = lambda x: x["local_fs"] - x["userspace"] if x["userspace"] else None
    for n, res, _ in rows if BENCH_RUNS else []:
        b = res["masked"]
        for side in sides:
            a = res[side]
            loads = [x["load"] for x in a + b]
            print(f"| {n or 'clean'} | {side} | {spread_ms(x['ready'] for x in a)} | "
                  f"{spread_ms(x['local_fs'] for x in a)} | {spread_ms(x['local_fs'] for x in b)} | "
                  f"{med(x['local_fs'] for x in a) - med(x['local_fs'] for x in b):+.0f} | "
                  f"{paired(a, b, lambda x: x['local_fs'])} | {paired(a, b, user)} | "
                  f"{spread_ms(x['start'] + x['ready'] - x['devices'] for x in a if x['ready'] and x['devices'])} | "
                  f"{min(loads):.1f}-{max(loads):.1f} |")
    print("(clean: one clean data disk in fstab; a positive 'READY=1 after the last data disk appeared': its mount "
          "waited for fcreplayd, not for the disk; each boot's figures follow)")
    for n, res, prof in rows:
        for side, boots in res.items():
            print(f"   {n} dirty, {side:9}: local-fs.target " + " ".join(f"{x['local_fs']:.0f}" for x in boots) +
                  "; userspace start " + " ".join(f"{x['userspace']:.0f}" for x in boots) +
                  ("" if side == "masked" else "; READY=1 after " +
                   " ".join(f"{x['ready']:.0f}" if x["ready"] else "?" for x in boots)))
        if prof:
            print("\n".join(prof))
    for line in notes:
        print("   note: " + line)


# ---------------------------------------------------------------- self-test

FAKE_QEMU = r"""#!/usr/bin/env python3
# The self-test's qemu: fails or hangs under KVM (FAKE_QEMU_KVM=error or
# hang); under TCG it "boots": a kernel banner on the console, a report on
# the report disk, FCR-REPORT-WRITTEN on the second serial port.
import os, sys, tarfile, io, time
a = sys.argv
accel = a[a.index("-accel") + 1]
serials = [a[i + 1][5:] for i, x in enumerate(a) if x == "-serial"]
report = [x.split(",")[0][5:] for x in a if x.startswith("file=") and ",id=rep" in x][0]
if accel == "kvm":
    if os.environ["FAKE_QEMU_KVM"] == "error":
        sys.exit("qemu-system-x86_64: -accel kvm: failed to initialize kvm: Operation not permitted")
    time.sleep(60)
open(serials[0], "w").write("[    0.000000] Linux version 6.1.0-fake\n")
with tarfile.open(report, "w") as t:
    data = " ".join(a).encode()
    info = tarfile.TarInfo("./cmdline.txt")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
open(serials[1], "a").write("FCR-REPORT-WRITTEN\n")
"""


def self_test():
    """The host's judgements on made-up reports, and the KVM fallback with
    a stand-in qemu: no guest, no root, seconds (make check runs it)."""
    global QEMU, KVM_WAIT
    results = []

    def expect(want, what, fn, *args):
        before = failed
        fn(*args)
        got = failed == before
        results.append(got == want)
        print(f"{'ok' if got == want else 'WRONG'}: {what}: the check {'passed' if got else 'failed'}"
              f", as it {'should' if got == want else 'should not'}", flush=True)

    work = tempfile.mkdtemp(prefix="fcr-boot-selftest.")
    try:
        def report(name, files):
            d = os.path.join(work, name)
            os.makedirs(d)
            for f, text in files.items():
                with open(os.path.join(d, f), "w") as fh:
                    fh.write(text)
            return Report(d)

        def jl(*entries):
            return "".join(json.dumps(e) + "\n" for e in entries)

        started = {"UNIT": "fcreplayd.service", "MESSAGE": "Started fcreplayd.service - Replay ext4 journals before mounting."}
        stopping = {"_SYSTEMD_UNIT": "fcreplayd.service", "SYSLOG_IDENTIFIER": "fcreplayd", "MESSAGE": "stopping"}
        deact = {"UNIT": "fcreplayd.service", "MESSAGE": "fcreplayd.service: Deactivated successfully."}
        timeout = {"UNIT": "fcreplayd.service", "MESSAGE": "fcreplayd.service: State 'stop-sigterm' timed out. Killing."}
        killing = {"UNIT": "fcreplayd.service", "MESSAGE": "fcreplayd.service: Killing process 230 (fcreplayd) with signal SIGKILL."}
        # The main boot: a systemctl stop, activation, then the shutdown.
        expect(True, "clean shutdown after a stop and an activation", check_clean_shutdown,
               report("clean", {"journal-prev.json": jl(started, stopping, deact, started, stopping, deact)}), "self")
        expect(False, "the shutdown left no STOPPING=1 (only the earlier stop did)", check_clean_shutdown,
               report("nostop", {"journal-prev.json": jl(started, stopping, deact, started, deact)}), "self")
        expect(False, "the shutdown's stop timed out", check_clean_shutdown,
               report("timeout", {"journal-prev.json": jl(started, stopping, deact, started, stopping, timeout, killing,
                                                           deact)}), "self")
        expect(False, "no start at all", check_clean_shutdown,
               report("nostart", {"journal-prev.json": jl(stopping, deact)}), "self")

        # The initramfs's line: only the journal's form counts.
        line = "root LABEL=fcrguest (/dev/vda): replayed (2 transactions, 7 fast-commit tags, 0.05 s)"
        j = {"SYSLOG_IDENTIFIER": "fcreplay", "_TRANSPORT": "kernel", "MESSAGE": line}
        r = report("initramfs-journal", {"journal.json": jl(j)})
        expect(True, "the initramfs's result read from the journal", lambda: check(
            initramfs_result(r) == ("/dev/vda", "replayed", line), "self: journal", str(initramfs_result(r))))
        r = report("initramfs-dmesg", {"dmesg.txt": "[    2.1] fcreplay: " + line + "\n", "journal.json": ""})
        expect(True, "a line in dmesg only is not found", lambda: check(
            initramfs_result(r) == (None, None, ""), "self: dmesg only", str(initramfs_result(r))))

        # KVM fails, or hangs before the kernel prints: the same boot with TCG.
        fake = os.path.join(work, "fake-qemu")
        with open(fake, "w") as f:
            f.write(FAKE_QEMU)
        os.chmod(fake, 0o755)
        QEMU, KVM_WAIT = fake, 2
        for mode in ("error", "hang"):
            os.environ["FAKE_QEMU_KVM"] = mode
            Guest.kvm_failed = False
            g = Guest(work, work, "kvm", (os.path.join(work, "root.img"), os.path.join(work, "initrd")), [])
            rep, _ = g.boot(f"kvm-{mode}")
            ok = g.accel == "tcg" and Guest.kvm_failed and "-accel tcg" in rep.text("cmdline.txt")
            expect(True, f"KVM {mode}: the boot is retried with TCG",
                   lambda: check(ok, f"self: KVM {mode}, then TCG", rep.text("cmdline.txt")))
            later = Guest(work, work, "kvm", (os.path.join(work, "root.img"), os.path.join(work, "initrd")), [])
            expect(True, f"KVM {mode}: later boots use TCG at once", lambda: check(later.accel == "tcg", "self: later"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wrong = results.count(False)
    print(f"self-test: {len(results) - wrong} of {len(results)} judgements as expected", flush=True)
    sys.exit(1 if wrong or not results else 0)


# ---------------------------------------------------------------- the test

def main():
    if "--self-test" in sys.argv:
        self_test()
    if "--bench" in sys.argv:
        i = sys.argv.index("--bench")
        counts = [int(c) for c in (sys.argv[i + 1] if len(sys.argv) > i + 1 else "0,1,4,16").split(",")]
        try:
            bench(counts)
        except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
            print(f"boot bench: {e}", flush=True)
        return
    preflight()
    work = os.environ.get("FCR_BOOT_WORK") or tempfile.mkdtemp(prefix="fcr-boot.")
    os.makedirs(work, exist_ok=True)
    keep = "--keep" in sys.argv or os.environ.get("FCR_BOOT_WORK")
    start = time.monotonic()
    try:
        accel_kind, accel_why = accel()
        say(f"accelerator: {accel_why}")
        t0 = time.monotonic()
        guest = out(os.path.join(HERE, "make-guest.sh"), "--suite", SUITE).strip()
        say(f"guest: Debian {SUITE}, {guest} ({time.monotonic() - t0:.0f} s)")
        debs = build_package(work)

        say("crash images from the project's generator")
        data_dir = crash_image(work, "gen-data", 3)
        hot_dir = crash_image(work, "gen-hot", 4)
        data_img = os.path.join(work, "data.img")
        hot_img = os.path.join(work, "hot.img")
        spare_img = os.path.join(work, "spare.img")
        sh("cp", "--sparse=always", os.path.join(data_dir, "crash.img"), data_img)
        sh("cp", "--sparse=always", os.path.join(hot_dir, "crash.img"), hot_img)
        with open(spare_img, "wb") as f:
            f.truncate(64 << 20)
        sh("mkfs.ext4", "-q", "-F", "-O", "fast_commit", "-L", "fcrspare", spare_img)
        fstab = (fstab_line(uuid_of(data_img), "/data", "noatime,commit=600") +
                 fstab_line(uuid_of(hot_img), "/hot", "nofail,noatime," + mount_when_plugged(uuid_of(hot_img))))
        conf = "\n# The boot test: the spare disk is replayed on request only.\nexclude = LABEL=fcrspare\n"
        root_img, initrd, dracut_initrd = prepare_root(guest, work, debs, fstab, conf, dracut=True)
        disks = [("fcrdata", data_img), ("fcrspare", spare_img)]
        g = Guest(work, guest, accel_kind, (root_img, initrd), disks)

        def hotadd(what, monitor):
            if what == "hotadd":
                monitor(f"drive_add 0 if=none,id=fcrhot,file={hot_img},format=raw")
                say("monitor: " + monitor("device_add virtio-blk-pci,drive=fcrhot,id=fcrhotdev,serial=fcrhot").strip()[-200:])

        r, t_main = g.boot("main", on_request=hotadd)
        check_main(r, data_dir, hot_dir, data_img, hot_img)

        # Negative control: the same kind of disk, fcreplay.mode=skip.
        sh("cp", "--sparse=always", os.path.join(data_dir, "crash.img"), data_img)
        r, t_skip = g.boot("skipcrash", "fcreplay.mode=skip")
        check_skipcrash(r)
        before = r.text("manifest-before.txt")
        root_before = r.text("manifest-root-before.txt")
        dirty = "needs_recovery" in out("dumpe2fs", "-h", data_img, check=False)
        tags, detail = fast_commit_tags(data_img)
        check(dirty and tags > 0, "power cut: /data needs recovery, with fast commits to replay",
              f"needs_recovery={dirty} tags={tags} {detail}")
        # The root's fsyncs often end in full commits (journald's fallocate
        # makes a transaction ineligible for a fast commit): only dirty.
        dirty = "needs_recovery" in out("dumpe2fs", "-h", root_img, check=False)
        tags, detail = fast_commit_tags(root_img)
        check(dirty, "power cut: the root needs recovery", detail)
        say(f"power cut: the root's fast-commit area holds {max(tags, 0)} tag(s) to replay")

        # root=UUID= this time (LABEL= before); ends in a second power cut.
        r, t_after = g.boot("aftercrash", root_spec=f"UUID={uuid_of(root_img)}")
        check_aftercrash(r, data_img, root_img, before, root_before,
                         os.path.join(work, "console-aftercrash.log"))
        root2_before = r.text("manifest-root2-before.txt")
        for what, img in (("the root", root_img), ("/data", data_img)):
            dirty = "needs_recovery" in out("dumpe2fs", "-h", img, check=False)
            check(dirty, f"second power cut: {what} needs recovery")

        # The same root from dracut's initrd, fcreplayd masked.
        r, t_dracut = Guest(work, guest, accel_kind, (root_img, dracut_initrd), disks).boot(
            "dracut", "systemd.mask=fcreplayd.service")
        check_dracut(r, root2_before, data_img, root_img)

        # Removed again, the system still boots (the kernel replays).
        initrd = purge_package(root_img, work)
        r, t_removed = Guest(work, guest, accel_kind, (root_img, initrd), disks).boot("removed")
        check(r.text("cmdline.txt") != "" and initramfs_result(r)[1] is None,
              "package removed: the guest boots, with no fcreplay in the initramfs")
        say(f"boots: main {t_main:.0f} s, skip {t_skip:.0f} s, after the power cut {t_after:.0f} s, "
            f"dracut {t_dracut:.0f} s, package removed {t_removed:.0f} s; whole test "
            f"{time.monotonic() - start:.0f} s ({'tcg after KVM failed' if Guest.kvm_failed else accel_kind})")
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print(f"ERROR: {e}", flush=True)
        print(f"boot-test: work directory kept: {work}", flush=True)
        sys.exit(99)
    if failed or keep:
        print(f"boot-test: work directory kept: {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
