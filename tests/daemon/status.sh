#!/bin/sh
# STATUS= returns to an idle line once a replay has ended, after a hotplug
# replay and after a dry run (dry_run = yes): systemctl status never shows
# a replay that is over.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty a
dirty b

# last_status: the last STATUS= the daemon sent.
last_status() { grep -o 'STATUS=[^|]*' "$TMP/notify.log" | tail -n 1; }

# settled DEV WHAT: the log says WHAT about DEV, then STATUS= is idle again.
settled() {
        wait_for "$TMP/daemon.log" "$1: $2" 10
        wait_for "$TMP/notify.log" "STATUS=Idle: 1 device(s) known" 5
        case $(last_status) in
        STATUS=Idle:*) ;;
        *) fail "after $2 of $1, STATUS= is still '$(last_status)'" ;;
        esac
        grep -q "STATUS=Replaying $1" "$TMP/notify.log" || fail "no STATUS= line while $1 was replayed"
        echo "status: after $2 of $1: $(last_status)"
}

start_daemon "include = LABEL=$LABEL_PREFIX-a"
wait_for "$TMP/notify.log" "READY=1" 20
dev=$(losetup -f --show "$TMP/a.img")
settled "$dev" replayed
stop_daemon

start_daemon "include = LABEL=$LABEL_PREFIX-b" "dry_run = yes"
wait_for "$TMP/notify.log" "READY=1" 20
dev=$(losetup -f --show "$TMP/b.img")
settled "$dev" dry-run
needs_recovery "$dev" || fail "the dry run wrote"
stop_daemon
