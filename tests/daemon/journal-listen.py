#!/usr/bin/env python3
"""Stand in for journald's native socket: receive sd_journal_send()
datagrams on SOCKET and append each entry to LOG as one line,
"RECEIVED_USEC=...|FIELD=value|FIELD=value|..." (newlines in values as
\\n; RECEIVED_USEC: CLOCK_MONOTONIC when it came, in microseconds, for
tests that order events).  Ends once the
process that started it is gone (with-journal.sh execs the daemon in its
place).

  journal-listen.py SOCKET LOG
"""
import os, socket, struct, sys, time

sock_path, log_path = sys.argv[1], sys.argv[2]
parent = os.getppid()


def fields(data):
    # KEY=value\n, or KEY\n<64-bit LE size><value>\n for binary values.
    out, i = [], 0
    while i < len(data):
        nl = data.index(b"\n", i)
        key = data[i:nl]
        if b"=" in key:
            out.append(key.decode(errors="replace"))
            i = nl + 1
        else:
            size = struct.unpack_from("<Q", data, nl + 1)[0]
            value = data[nl + 9:nl + 9 + size].decode(errors="replace")
            out.append(key.decode(errors="replace") + "=" + value.replace("\n", "\\n"))
            i = nl + 9 + size + 1
    return "|".join(out)


s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
s.settimeout(0.2)
with open(log_path, "a", buffering=1) as log:
    while True:
        try:
            data = s.recv(1 << 20)
            log.write("RECEIVED_USEC=%d|%s\n" % (time.monotonic_ns() // 1000, fields(data)))
        except socket.timeout:
            if os.getppid() != parent:
                break
