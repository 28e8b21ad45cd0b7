#!/usr/bin/env python3
"""A system bus that is slow to come up, as at boot: the socket unit binds
and listens before dbus-daemon runs.  SOCKET appears listening (bound
elsewhere, renamed into place); or, with --refuse SECS, bound but not
listening for that long (connect: ECONNREFUSED, with no inotify event
when it changes).  Then it listens without answering for --silent SECS; then
exec dbus-daemon --nofork --config-file CONF on that very socket
(socket activation: <listen>systemd:</listen>), which answers what
waited in the backlog.

  slow-bus.py SOCKET CONF [--refuse SECS] [--silent SECS]
"""
import argparse, os, socket, sys, time

p = argparse.ArgumentParser()
p.add_argument("socket")
p.add_argument("conf")
p.add_argument("--refuse", type=float, default=0)
p.add_argument("--silent", type=float, default=0)
a = p.parse_args()
try:
    os.unlink(a.socket)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if a.refuse:
    s.bind(a.socket)
    print("bound", flush=True)
    time.sleep(a.refuse)
    s.listen(64)
else:
    # Listening the moment it appears, as a socket unit's is.
    s.bind(a.socket + ".new")
    s.listen(64)
    os.rename(a.socket + ".new", a.socket)
print("listening", flush=True)
time.sleep(a.silent)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
print("bus", flush=True)
os.execvp("dbus-daemon", ["dbus-daemon", "--nofork", "--config-file=" + a.conf])
