#!/bin/sh
# The dracut module (90fcreplay), in a real initrd built by the host's
# dracut from a staged "make install":
#   - contents: fcreplay, fcreplay-root, every tag and allocator plugin,
#     the libraries they link, the configuration, fcreplay-root.service
#     and its initrd.target.wants link;
#   - units: with systemd-fstab-generator's units for root=UUID=... (run
#     in the image), "systemd-analyze verify --root" of initrd.target,
#     fcreplay-root.service, sysroot.mount and systemd-fsck-root.service
#     says nothing; the image's own systemd, in test mode (systemd --test
#     --unit=initrd.target), loads fcreplay-root.service wanted by
#     initrd.target, Before=sysroot.mount and systemd-fsck-root.service,
#     After=initrd-root-device.target and local-fs-pre.target (so after
#     systemd-hibernate-resume@.service, with resume= on the command
#     line), and puts it in the boot transaction with no ordering cycle;
#   - the helper: fcreplay-root run in the image (chroot) on a loop device
#     holding the demo crash image replays it.
# Needs root, dracut-core (not dracut, which conflicts with
# initramfs-tools), mount namespaces and overlayfs: the staged files are
# overlaid on their real paths in a private mount namespace, so nothing is
# written outside $TMP.  The boot test (tests/boot) boots a dracut initrd
# too; see README.md, "The root filesystem at boot".
. "$top_srcdir/tests/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (dracut, mount namespaces, chroot)"
DRACUT_BASE=/usr/lib/dracut
command -v dracut > /dev/null && [ -r "$DRACUT_BASE/dracut-init.sh" ] ||
        skip "dracut is not installed (Debian: dracut-core)"
[ -d "$DRACUT_BASE/modules.d/01systemd-initrd" ] || skip "dracut has no systemd-initrd module"
[ -d "$DRACUT_BASE/modules.d/95resume" ] || skip "dracut has no resume module (the order after a resume is checked with it)"
[ -x /usr/lib/systemd/systemd ] || [ -x /lib/systemd/systemd ] || skip "systemd is not installed (the initrd's)"
for c in unshare cpio systemd-analyze losetup ldd; do
        command -v $c > /dev/null || skip "no $c"
done
unshare -m --propagation private true 2> /dev/null || skip "no mount namespaces here (unshare -m)"

# in_ns SCRIPT [ARGS]: SCRIPT under sh -eu in a private mount namespace:
# its mounts vanish with it.
in_ns() {
        s_=$1
        shift
        unshare -m --propagation private sh -euc "$s_" sh "$@"
}

# --- stage "make install"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" --quiet install DESTDIR="$TMP/stage" \
        > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log" >&2; fail "make install DESTDIR=$TMP/stage"; }
found() { find "$TMP/stage" -path "$1" ${2:+-type "$2"} | head -n 1; }
bin=$(found '*/bin/fcreplay' f)
helper=$(found '*/fcreplay/fcreplay-root' f)
tags=$(found '*/fcreplay/tags' d)
iconf=$(found '*/fcreplay/initramfs.conf' f)
moddir=$(found '*/90fcreplay' d)
[ -n "$moddir" ] || skip "the dracut module is not installed (configure --with-dracutmodulesdir=no)"
[ -n "$bin" ] && [ -n "$helper" ] && [ -n "$tags" ] && [ -n "$iconf" ] || fail "staged install incomplete"
[ -x "$moddir/module-setup.sh" ] || fail "$moddir/module-setup.sh is not executable"
# Paths as installed (without the stage).
bin=${bin#"$TMP/stage"} helper=${helper#"$TMP/stage"} iconf=${iconf#"$TMP/stage"}
plugin_dir=$(dirname "${tags#"$TMP/stage"}")
conf_dir=$(dirname "$iconf")
echo "dracut-module: installed paths: $bin $helper $plugin_dir $conf_dir"

# Overlay each staged tree on the closest directory that exists on the
# host (one overlay for all when they share it, e.g. /usr/local).
tops=""
for p in "$(dirname "$bin")" "$(dirname "$helper")" "$plugin_dir" "$conf_dir"; do
        a=$p
        while [ ! -d "$a" ]; do a=$(dirname "$a"); done
        [ "$a" != / ] || skip "$p: no directory of it exists on the host to overlay"
        tops="$tops$a
"
done
mounts=""
for a in $(printf '%s' "$tops" | sort -u); do
        under=no
        for m in $mounts; do
                case "$a/" in "$m"/*) under=yes ;; esac
        done
        [ $under = yes ] || mounts="$mounts $a"
done
mkdir -p "$TMP/modules" "$TMP/confdir" "$TMP/dracut-tmp"
cp -a "$moddir" "$TMP/modules/"
echo "dracut-module: overlaid on:$mounts and $DRACUT_BASE/modules.d"

# --- the initrd: systemd with its initrd units, the root device and its
# fsck (fs-lib: without an fsck the generator leaves systemd-fsck-root
# out), and fcreplay.  No kernel, no compression: a few seconds.
modules="systemd systemd-initrd dracut-systemd rootfs-block fs-lib resume base fcreplay"
# shellcheck disable=SC2016
in_ns '
        stage=$1 modules_d=$2 tmp=$3 dmods=$4
        shift 4
        for m in $dmods; do
                mount -t overlay -o "lowerdir=$stage$m:$m" fcreplay-test "$m"
        done
        mount -t overlay -o "lowerdir=$modules_d:'"$DRACUT_BASE"'/modules.d" fcreplay-test '"$DRACUT_BASE"'/modules.d
        dracut --conf /dev/null --confdir "$tmp/confdir" --tmpdir "$tmp/dracut-tmp" \
                --no-kernel --no-compress --no-early-microcode --no-hostonly --force \
                -m "$*" "$tmp/initrd.img"
' "$TMP/stage" "$TMP/modules" "$TMP" "$mounts" "$modules" > "$TMP/dracut.log" 2>&1 ||
        { cat "$TMP/dracut.log" >&2; fail "dracut failed (is overlayfs available?)"; }
grep -q 'Including module: fcreplay' "$TMP/dracut.log" ||
        { cat "$TMP/dracut.log" >&2; fail "dracut left module fcreplay out"; }
echo "dracut-module: initrd built ($(du -k "$TMP/initrd.img" | cut -f1) KiB, modules: $modules)"

R=$TMP/root
mkdir "$R"
(cd "$R" && cpio -idm --quiet) < "$TMP/initrd.img" || fail "cannot unpack the initrd"
[ -e "$R/etc/initrd-release" ] || fail "not an initrd: no /etc/initrd-release"

# --- contents
for f in "$bin" "$helper"; do
        [ -x "$R$f" ] || fail "$f is not in the initrd"
done
n=0
for so in "$TMP/stage$plugin_dir"/tags/*.so "$TMP/stage$plugin_dir"/alloc/*.so; do
        p=${so#"$TMP/stage"}
        [ -f "$R$p" ] || fail "plugin $p is not in the initrd"
        n=$((n + 1))
done
# Six tag plugins (HEAD, TAIL and PAD are the scan's, not plugins) and two allocators.
[ $n -ge 8 ] || fail "only $n plugins staged"
for f in "$conf_dir/fcreplay.conf" "$conf_dir/initramfs.conf"; do
        [ -f "$R$f" ] || fail "$f is not in the initrd"
done
# The libraries each program and plugin links (as the host resolves them).
nlib=0
for f in "$TMP/stage$bin" "$TMP/stage$plugin_dir"/tags/*.so "$TMP/stage$plugin_dir"/alloc/*.so; do
        for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
                [ -e "$R$lib" ] || fail "$lib (needed by ${f#"$TMP/stage"}) is not in the initrd"
                nlib=$((nlib + 1))
        done
done
for c in blkid timeout sleep sh; do
        chroot "$R" /bin/sh -c "command -v $c" > /dev/null || fail "$c is not in the initrd"
done
# With /proc, as in a booted initrd (a sanitizer build reads /proc/self/maps).
# shellcheck disable=SC2016
in_ns '
        R=$1 bin=$2
        mount -t proc proc "$R/proc"
        chroot "$R" "$bin" --version
' "$R" "$bin" > "$TMP/version" 2>&1 || { cat "$TMP/version" >&2; fail "fcreplay does not run in the initrd"; }
echo "dracut-module: contents: fcreplay ($(cat "$TMP/version")), fcreplay-root, $n plugins, $nlib library links, configuration, blkid, timeout"

unit=/usr/lib/systemd/system/fcreplay-root.service
[ -f "$R$unit" ] || fail "$unit is not in the initrd"
cmp -s "$R$unit" "$moddir/fcreplay-root.service" || fail "$unit differs from the installed one"
want=$R/etc/systemd/system/initrd.target.wants/fcreplay-root.service
[ -L "$want" ] || fail "no initrd.target.wants/fcreplay-root.service link"
t=$(readlink "$want")
case "$t" in /*) t=$R$t ;; *) t=$(dirname "$want")/$t ;; esac
cmp -s "$t" "$R$unit" || fail "initrd.target.wants/fcreplay-root.service does not point at the unit ($(readlink "$want"))"
# The unit file's ordering, as written.
for l in "After=initrd-root-device.target" "After=local-fs-pre.target" "DefaultDependencies=no" "ExecStart=-$helper"; do
        grep -qx "$l" "$R$unit" || fail "$unit: no line '$l'"
done
before=$(sed -n 's/^Before=//p' "$R$unit" | tr ' ' '\n')
for u in systemd-fsck-root.service sysroot.mount initrd-root-fs.target; do
        printf '%s\n' "$before" | grep -qx "$u" || fail "$unit: not Before=$u"
done

# --- units: what systemd-fstab-generator makes of root=UUID= in the
# initrd (sysroot.mount, systemd-fsck-root.service, the root device for
# initrd-root-device.target), the image's generator run in the image.
# Written to /run/systemd/system, which verify and test mode read
# (/run/systemd/generator is only read by a manager that ran it).
unpack "$FIXTURES/demo" "$TMP/crash.img"
uuid=$(blkid -p -s UUID -o value "$TMP/crash.img")
[ -n "$uuid" ] || fail "no UUID in the demo image"
mkdir -p "$R/run/systemd/system" "$R/run/systemd/generator.early" "$R/run/systemd/generator.late"
gen=/usr/lib/systemd/system-generators/systemd-fstab-generator
SYSTEMD_PROC_CMDLINE="root=UUID=$uuid rw" SYSTEMD_IN_INITRD=1 \
        chroot "$R" "$gen" /run/systemd/system /run/systemd/generator.early /run/systemd/generator.late ||
        fail "$gen failed in the initrd"
for f in sysroot.mount systemd-fsck-root.service; do
        [ -f "$R/run/systemd/system/$f" ] || fail "the fstab generator wrote no $f for root=UUID=$uuid"
done
# A resume from hibernation (resume=): its service must run before the
# replay, since the hibernated kernel still has the root mounted.
resume_uuid=00000000-1111-2222-3333-444444444444
resume_unit=$(systemd-escape -p --template=systemd-hibernate-resume@.service "/dev/disk/by-uuid/$resume_uuid")
gen=/usr/lib/systemd/system-generators/systemd-hibernate-resume-generator
[ -x "$R$gen" ] || fail "$gen is not in the initrd (dracut module resume)"
SYSTEMD_PROC_CMDLINE="resume=UUID=$resume_uuid" SYSTEMD_IN_INITRD=1 \
        chroot "$R" "$gen" /run/systemd/system /run/systemd/generator.early /run/systemd/generator.late ||
        fail "$gen failed in the initrd"
find "$R/run/systemd/system" -type l | grep -qF "/$resume_unit" ||
        fail "the hibernate-resume generator wrote no link to $resume_unit for resume=UUID=$resume_uuid"

units="initrd.target fcreplay-root.service sysroot.mount systemd-fsck-root.service $resume_unit"
# shellcheck disable=SC2086
systemd-analyze verify --root="$R" --man=no $units > "$TMP/verify.out" 2>&1 || true
if [ -s "$TMP/verify.out" ]; then
        cat "$TMP/verify.out" >&2
        fail "systemd-analyze verify --root complained"
fi
echo "dracut-module: systemd-analyze verify --root: $units: no complaint"

# The loaded units: the image's systemd in test mode computes the boot
# transaction for initrd.target and dumps every unit it loaded (as nobody:
# test mode refuses root), needing /proc, /sys and a writable /tmp.
sd=/usr/lib/systemd/systemd
# shellcheck disable=SC2016
in_ns '
        R=$1 sd=$2 cmdline=$3
        mount -t proc proc "$R/proc"
        mount --rbind /sys "$R/sys"
        mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
        SYSTEMD_PROC_CMDLINE=$cmdline SYSTEMD_IN_INITRD=1 \
                chroot --userspec=65534:65534 "$R" "$sd" --test --system --unit=initrd.target --no-pager
' "$R" "$sd" "root=UUID=$uuid rw resume=UUID=$resume_uuid" > "$TMP/sd-test.out" 2>&1 || true
if ! grep -q '^-> By jobs:' "$TMP/sd-test.out"; then
        tail -n 5 "$TMP/sd-test.out" >&2
        fail "systemd --test in the initrd computed no transaction"
fi
# unit_props UNIT: that unit's dump.
unit_props() {
        # Through the environment: awk -v would read the \x2d of an
        # escaped unit name as '-'.
        U="	-> Unit $1:" awk '$0 == ENVIRON["U"] { on = 1; next } on && /^(	->|->)/ { exit } on' "$TMP/sd-test.out"
}
has() {
        unit_props "$1" | grep -qxF "		$2" || {
                unit_props "$1" | grep -E '^		(Unit Load State|Fragment Path|Wanted|Before|After|Requires):' >&2 || true
                fail "loaded $1: no '$2'"
        }
}
has fcreplay-root.service "Unit Load State: loaded"
has fcreplay-root.service "Fragment Path: /lib/systemd/system/fcreplay-root.service"
has fcreplay-root.service "WantedBy: initrd.target (destination-file)"
has fcreplay-root.service "After: initrd-root-device.target (origin-file)"
has fcreplay-root.service "After: local-fs-pre.target (origin-file)"
has fcreplay-root.service "Before: sysroot.mount (origin-file)"
has fcreplay-root.service "Before: systemd-fsck-root.service (origin-file)"
has fcreplay-root.service "Before: initrd-root-fs.target (origin-file)"
has fcreplay-root.service "DefaultDependencies: no"
# The same orderings from the other ends.
has sysroot.mount "After: fcreplay-root.service (destination-file)"
has sysroot.mount "After: systemd-fsck-root.service (origin-file)"
has systemd-fsck-root.service "After: fcreplay-root.service (destination-file)"
has initrd-root-device.target "Before: fcreplay-root.service (destination-file)"
# Resume first: the resume service is before local-fs-pre.target, which
# is before the replay and the mount; and no ordering cycle comes of it.
has "$resume_unit" "Before: local-fs-pre.target (origin-file)"
has local-fs-pre.target "Before: fcreplay-root.service (destination-file)"
has local-fs-pre.target "Before: sysroot.mount (destination-mount-file)"
if grep -qi 'ordering cycle\|Job .* deleted' "$TMP/sd-test.out"; then
        grep -i 'cycle\|deleted' "$TMP/sd-test.out" >&2
        fail "ordering cycle in initrd.target's transaction"
fi
# Started at boot: a start job in initrd.target's transaction, with the
# mount and the fsck it precedes.
for u in fcreplay-root.service sysroot.mount systemd-fsck-root.service "$resume_unit"; do
        grep -qxF "		Action: $u -> start" "$TMP/sd-test.out" || fail "no start job for $u in initrd.target's transaction"
done
echo "dracut-module: loaded by the initrd's systemd: fcreplay-root.service wanted by initrd.target, After=initrd-root-device.target local-fs-pre.target (so after $resume_unit), Before=systemd-fsck-root.service sysroot.mount, started in initrd.target's transaction, no ordering cycle"

# --- the helper in the image, on a loop device holding the demo crash.
if ! loop=$(losetup -f --show "$TMP/crash.img" 2> /dev/null); then
        echo "dracut-module: helper run: skipped (no loop devices)"
        exit 0
fi
trap 'losetup -d "$loop"; rm -rf "$TMP"' EXIT
# shellcheck disable=SC2016
in_ns '
        R=$1 helper=$2 loop=$3
        mount -t proc proc "$R/proc"
        mount --rbind /dev "$R/dev"
        mount -t tmpfs tmpfs "$R/tmp"
        : > "$R/tmp/cmdline"
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin FCREPLAY_LOG=stderr FCREPLAY_CMDLINE=/tmp/cmdline chroot "$R" "$helper" "$loop"
' "$R" "$helper" "$loop" > "$TMP/helper.out" 2>&1 || { cat "$TMP/helper.out" >&2; fail "fcreplay-root failed in the initrd"; }
sed 's/^/    /' "$TMP/helper.out"
last=$(tail -n 1 "$TMP/helper.out")
case "$last" in
"fcreplay: root $loop: replayed (32 transactions, 32 fast-commit tags, "*) ;;
*) fail "fcreplay-root in the initrd: last line '$last'" ;;
esac
needs_recovery "$loop" && fail "needs_recovery still set after the replay in the initrd"
fsck_clean "$loop"
echo "dracut-module: fcreplay-root in the initrd replayed the demo crash on $loop; e2fsck -fn clean"
