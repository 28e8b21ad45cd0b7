#!/bin/bash
# Runs inside the boot test's guest once the boot transaction is over
# (fcr-boot-check.service starts it through systemd-run --on-active=1).
# It collects the guest's journal and state into a tar archive on the
# report disk (serial "fcrreport") and does the scenario's work; the host
# (tests/boot/boot-test.py) makes every judgement.  Requests to the host go
# over the second serial port, one line each: "FCR-REQUEST <what>".
#
# Scenarios (fcrtest= on the kernel command line):
#   main        state after a boot with a dirty /data; D-Bus, reload, an
#               admin replay of a disk dirtied after boot, a hot-added
#               dirty disk; clean poweroff
#   skipcrash   fcreplay.mode=skip: the kernel replayed /data; then fsync'd
#               writes on /data and on the root, and a power cut (the host
#               kills qemu)
#   aftercrash  fcreplayd replayed /data, the initramfs the root, after
#               the power cut; then fsync'd writes on the root and another
#               power cut
#   dracut      booted from the dracut initrd, fcreplayd masked: the
#               initrd's fcreplay-root.service replayed the root, the
#               kernel /data
#   removed     the package purged: state only, then poweroff
#   bench       state, the data mounts' and the manager's timestamps,
#               systemd-analyze blame, critical-chain and plot; poweroff
#               (make bench)
set -u
R=/run/fcr-report
mkdir -p "$R"
scenario=$(sed -n 's/.*fcrtest=\([a-z]*\).*/\1/p' /proc/cmdline)
log() { echo "fcr-boot-check: $*" | tee -a "$R/check.log" > /dev/kmsg; }
request() { log "request: $1"; echo "FCR-REQUEST $1" > /dev/ttyS1; }
run() {         # run NAME CMD...: output to NAME.out, exit code to NAME.rc
        local name=$1
        shift
        "$@" > "$R/$name.out" 2>&1
        echo $? > "$R/$name.rc"
}
wait_for() {    # wait_for SECONDS CMD...
        local end=$((SECONDS + $1))
        shift
        while [ $SECONDS -lt $end ]; do
                "$@" && return 0
                sleep 0.2
        done
        return 1
}
# A tree's shape and content, to compare before and after a power cut.
manifest() {
        (cd "$1" && find . -printf '%y %p %s %m %n %l\n' | sort &&
                find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
units="fcreplayd.service data.mount hot.mount local-fs.target local-fs-pre.target dbus.service"
state() {       # state SUFFIX: what can change during the scenario
        systemctl show $units -p Id,LoadState,ActiveState,Result,ActiveEnterTimestampMonotonic,InactiveExitTimestampMonotonic,ExecMainStartTimestampMonotonic,MainPID > "$R/units$1.txt"
        journalctl -b -o json --no-pager > "$R/journal$1.json"
        dmesg > "$R/dmesg$1.txt"
}
finish() {      # the report onto its disk, then the host takes over
        journalctl -b --no-pager > "$R/journal.txt"
        ls -l /dev/disk/by-id/ > "$R/by-id.txt"
        log "done: $scenario"
        cp /run/fcr-report-check.log "$R/" 2> /dev/null
        # Flush the report disk alone: a plain sync would commit /data's
        # journal in full and leave no fast commits for the power cut.
        tar -C "$R" -cf /dev/disk/by-id/virtio-fcrreport . && sync /dev/disk/by-id/virtio-fcrreport
        blockdev --flushbufs /dev/disk/by-id/virtio-fcrreport
        echo "FCR-REPORT-WRITTEN" > /dev/ttyS1
}

# The bench's profiling boots (fcrbench.restarts=N): N restarts of the
# daemon as shipped, then N without its sandbox (a runtime drop-in that
# resets the unit's hardening), each start to READY=1, without the
# profiling drop-in's debug log.
bench_restarts() {
        local n what d=/run/systemd/system/fcreplayd.service.d
        n=$(sed -n 's/.*fcrbench\.restarts=\([0-9]*\).*/\1/p' /proc/cmdline)
        [ -n "$n" ] || return 0
        rm -f /etc/systemd/system/fcreplayd.service.d/bench-profile.conf
        for what in shipped nosandbox; do
                if [ "$what" = nosandbox ]; then
                        mkdir -p "$d"
                        printf '%s\n' '[Service]' ProtectSystem=no PrivateMounts=no ProtectKernelModules=no \
                                ProtectKernelLogs=no ProtectControlGroups=no ProtectClock=no ProtectHostname=no \
                                RestrictNamespaces=no RestrictRealtime=no RestrictSUIDSGID=no LockPersonality=no \
                                MemoryDenyWriteExecute=no SystemCallFilter= SystemCallArchitectures= \
                                RestrictAddressFamilies= IPAddressDeny= DevicePolicy=auto DeviceAllow= > "$d/zz-bench-nosandbox.conf"
                fi
                systemctl daemon-reload
                for _ in $(seq "$n"); do
                        systemctl restart fcreplayd.service
                        echo $(systemctl show fcreplayd.service -p ExecMainStartTimestampMonotonic \
                                -p ActiveEnterTimestampMonotonic) >> "$R/restarts-$what.txt"
                done
        done
}

log "scenario $scenario"
cat /proc/cmdline > "$R/cmdline.txt"
uname -r > "$R/uname.txt"
state ""
systemctl show fcreplayd.service -p After,Before,Requires,Wants,RequiresMountsFor > "$R/fcreplayd-deps.txt"
# Not for the bench: nothing judges it there, and it takes a while.
[ "$scenario" = bench ] || run security systemd-analyze security --no-pager fcreplayd.service
run critical-chain systemd-analyze critical-chain --no-pager local-fs.target
journalctl -b -1 -o json --no-pager > "$R/journal-prev.json" 2> /dev/null

case "$scenario" in
main)
        # Who owns the name before any client asks (no activation yet).
        run busnames busctl --system --no-pager --acquired list
        run status fcreplayctl --json status
        run reload systemctl reload fcreplayd.service
        sleep 1
        run status-after-reload fcreplayctl --json status
        # A disk dirtied after boot, replayed on an admin's request.  The
        # configuration excludes it from automatic replay.
        spare=/dev/disk/by-label/fcrspare
        mkdir -p /mnt/spare
        if mount -o commit=600 "$spare" /mnt/spare; then
                run spare-workload /usr/local/libexec/fcr-boot/fcr-workload /mnt/spare --seed 11 --ops 60 --profile mixed --shutdown
                umount /mnt/spare
        fi
        run spare-dirty sh -c "dumpe2fs -h $spare 2>/dev/null | grep -q needs_recovery"
        run spare-replay fcreplayctl --json replay "$(readlink -f $spare)"
        run spare-fsck e2fsck -fn "$spare"
        # A disk that appears after boot, with an fstab entry that mounts
        # it when it appears.
        request hotadd
        wait_for 180 mountpoint -q /hot
        run hot-mounted mountpoint /hot
        ls -la /hot > "$R/hot-ls.txt" 2>&1
        # D-Bus activation: the service stopped, a client call starts it.
        state "-before-activation"
        run stop systemctl stop fcreplayd.service
        run activation fcreplayctl --json status
        run activated systemctl is-active fcreplayd.service
        state "-final"
        finish
        systemctl poweroff
        ;;
skipcrash)
        run busnames busctl --system --no-pager --acquired list
        run status fcreplayctl --json status
        # fsync'd writes on /data and on the root, then a power cut.  One
        # sync first, for the directories; none after the workloads.
        mkdir -p /data/crash /var/lib/fcr-rootcrash && sync
        run crash-workload /usr/local/libexec/fcr-boot/fcr-workload /data/crash --seed 23 --ops 60 --profile data
        run root-workload /usr/local/libexec/fcr-boot/fcr-workload /var/lib/fcr-rootcrash --seed 31 --ops 40 --profile data
        manifest /data/crash > "$R/manifest-before.txt"
        manifest /var/lib/fcr-rootcrash > "$R/manifest-root-before.txt"
        # The kernel's fast-commit statistics (ineligible commits and why).
        cat /proc/fs/ext4/"$(basename "$(findmnt -no SOURCE /data)")"/fc_info > "$R/fc_info.txt" 2>&1
        run data-dirty sh -c "dumpe2fs -h \$(findmnt -no SOURCE /data) 2>/dev/null | grep -q needs_recovery"
        state "-final"
        finish
        request crash
        sleep infinity
        ;;
aftercrash)
        manifest /data/crash > "$R/manifest-after.txt"
        manifest /var/lib/fcr-rootcrash > "$R/manifest-root-after.txt"
        # The root again, for the dracut boot that follows.
        mkdir -p /var/lib/fcr-rootcrash2 && sync
        run root-workload2 /usr/local/libexec/fcr-boot/fcr-workload /var/lib/fcr-rootcrash2 --seed 37 --ops 40 --profile data
        manifest /var/lib/fcr-rootcrash2 > "$R/manifest-root2-before.txt"
        state "-final"
        finish
        request crash
        sleep infinity
        ;;
dracut)
        manifest /var/lib/fcr-rootcrash2 > "$R/manifest-root2-after.txt"
        ls -l /run/fcreplayd > "$R/run-fcreplayd.txt" 2>&1
        state "-final"
        finish
        systemctl poweroff
        ;;
bench)
        # What the boot's order was made of: the data mounts, udev, the
        # manager's own timestamps, and systemd-analyze's views of it.
        mounts=$(systemctl list-units --all --plain --no-legend 'b[0-9]*.mount' 'dev-disk-by*virtio*fcrb*.device' |
                awk '{print $1}')
        systemctl show $units $mounts systemd-udev-trigger.service systemd-udevd.service systemd-remount-fs.service \
                systemd-journald.service sysinit.target -p Id,ActiveState,ActiveEnterTimestampMonotonic,InactiveExitTimestampMonotonic,ExecMainStartTimestampMonotonic > "$R/units-bench.txt"
        { echo Id=manager; systemctl show -p KernelTimestampMonotonic,InitRDTimestampMonotonic,UserspaceTimestampMonotonic,FinishTimestampMonotonic; } > "$R/units-manager.txt"
        run blame systemd-analyze blame --no-pager
        run chain-fcreplayd systemd-analyze critical-chain --no-pager fcreplayd.service
        run plot systemd-analyze plot
        bench_restarts
        state "-final"
        finish
        systemctl poweroff
        ;;
*)
        state "-final"
        finish
        systemctl poweroff
        ;;
esac
