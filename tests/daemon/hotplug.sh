#!/bin/sh
# A dirty image attached while the daemon runs is replayed within a second;
# a mounted dirty device is left alone.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
dirty hot
dirty mnt fc-data-4k
# The mounted one: attached and mounted (no replay: noload) before start.
mdev=$(losetup -f --show "$TMP/mnt.img")
mkdir "$TMP/m"
mount -o ro,noload "$mdev" "$TMP/m"
start_daemon "include = LABEL=$LABEL_PREFIX-hot LABEL=$LABEL_PREFIX-mnt"
wait_for "$TMP/notify.log" "READY=1" 20
grep -q "$mdev: skipped: mounted" "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "the mounted device was not reported as skipped"; }
umount "$TMP/m"
needs_recovery "$TMP/mnt.img" || fail "the mounted device was replayed"
# Hotplug: attach, then the replay must be done within a second.
start=$(date +%s%N)
dev=$(losetup -f --show "$TMP/hot.img")
i=0
while needs_recovery "$dev"; do
        i=$((i + 1))
        [ $i -le 20 ] || { cat "$TMP/daemon.log" >&2; fail "$dev not replayed within a second of attaching"; }
        sleep 0.05
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait_for "$TMP/daemon.log" "$dev: replayed" 2
replayed_right "$dev"
stop_daemon
echo "hotplug: $dev replayed ${ms} ms after losetup; the mounted $mdev left alone"
