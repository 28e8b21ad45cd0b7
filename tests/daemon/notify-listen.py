#!/usr/bin/env python3
"""Stand in for systemd's notification socket: receive sd_notify datagrams
on SOCKET and append each to LOG as "<seconds> <message with \\n as |>".
When READY=1 arrives, run the shell command given with --on-ready once and
append its output, so a test sees the state at that very moment.

  notify-listen.py SOCKET LOG [--on-ready CMD]
"""
import os, socket, subprocess, sys, time

sock_path, log_path = sys.argv[1], sys.argv[2]
on_ready = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--on-ready" else None
try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
t0 = time.monotonic()
with open(log_path, "a", buffering=1) as log:
    log.write("listening\n")
    while True:
        msg = s.recv(65536).decode(errors="replace")
        log.write("%.3f %s\n" % (time.monotonic() - t0, msg.replace("\n", "|")))
        if on_ready and "READY=1" in msg.split("\n"):
            r = subprocess.run(on_ready, shell=True, capture_output=True, text=True)
            log.write("AT-READY %s\n" % (r.stdout + r.stderr).replace("\n", "|"))
            on_ready = None
