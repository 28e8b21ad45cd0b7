#!/bin/sh
# sh with-journal.sh LOG CMD [ARG...]: CMD, keeping this pid, in a private mount
# namespace where /run/systemd/journal/socket is journal-listen.py writing
# each entry to LOG: the tests see the fields only the journal gets
# (PRIORITY=, MESSAGE_ID=, RESULT=), and the host's journal sees nothing.
# Needs root and unshare(1).
log=$1
shift
exec unshare --mount --propagation private sh -c '
        here=$(dirname "$0") log=$1
        shift
        # A tmpfs on /run/systemd hides nothing the daemon uses; where it
        # does not exist, one on /run (udev then looks absent: sysfs is used).
        dir=/run/systemd
        [ -d "$dir" ] || dir=/run
        mount -t tmpfs -o mode=755 fcreplay-test-journal "$dir" && mkdir -p /run/systemd/journal || exit 1
        python3 "$here/journal-listen.py" /run/systemd/journal/socket "$log" < /dev/null > /dev/null 2>&1 &
        i=0
        while [ ! -S /run/systemd/journal/socket ]; do
                i=$((i + 1))
                [ $i -le 100 ] || { echo "with-journal.sh: the listener did not start" >&2; exit 1; }
                sleep 0.05
        done
        exec "$@"' "$0" "$log" "$@"
