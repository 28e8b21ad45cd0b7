#!/bin/sh
# fcreplayd with no dirty devices: time from start to READY=1 and peak
# RSS, over several runs (numbers, not a pass/fail test).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$here/..}"
runs=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Look at no device: the pass is the enumeration and probing alone.
echo "include = LABEL=fcreplay-bench-none" > "$tmp/fcreplayd.conf"
FCREPLAYD_CMDLINE=/dev/null python3 - "$top_builddir/fcreplayd" "$tmp" "$runs" <<'PY'
import os, resource, socket, subprocess, sys, time
daemon, tmp, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times, rss = [], []
for i in range(runs):
    path = os.path.join(tmp, "n%d.sock" % i)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    t = time.monotonic()
    p = subprocess.Popen([daemon, "--config", os.path.join(tmp, "fcreplayd.conf")],
                         env=dict(os.environ, NOTIFY_SOCKET=path), stderr=subprocess.DEVNULL)
    while b"READY=1" not in s.recv(4096):
        pass
    times.append((time.monotonic() - t) * 1000)
    status = open("/proc/%d/status" % p.pid).read()
    rss.append(int([l for l in status.splitlines() if l.startswith("VmHWM:")][0].split()[1]))
    p.terminate()
    p.wait()
    s.close()
times.sort()
print("   start to READY=1: median %.1f ms, max %.1f ms over %d runs (target: under 50 ms)"
      % (times[len(times) // 2], times[-1], runs))
print("   peak RSS (VmHWM): %d KiB max (target: under 10 MiB = 10240 KiB)" % max(rss))
PY
