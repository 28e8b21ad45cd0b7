#!/bin/bash
# make-guest.sh: the Debian guest the boot test runs, built from Debian
# packages with mmdebstrap and cached outside the clone, keyed by what goes
# into it (this script, the suite and the host's apt sources).
#
#   make-guest.sh [--suite SUITE] [CACHE_DIR]
#                                  prints the directory that holds
#                                  root.img, vmlinuz and initrd.img
#
# SUITE: bookworm (Debian 12, the default: from the host's apt sources) or
# trixie (Debian 13, kernel 6.12 and systemd 257: from deb.debian.org).
# CACHE_DIR defaults to $FCR_BOOT_CACHE or /var/cache/fcreplay-boot.  A cold
# build takes one to three minutes; a warm one returns at once.  Needs root
# (mmdebstrap in root mode, mke2fs -d keeping ownership).
set -euo pipefail

# The guest: systemd as PID 1, udev, the system bus, the libraries the
# project links, and the guest's own kernel and initramfs.  Not procps: a
# minimal Debian has no /bin/kill, and the unit must not need one.
# dracut-core beside initramfs-tools (it does not conflict with it, as
# dracut does): the test builds a second, dracut initrd with the package's
# 90fcreplay module and boots it too.
SUITE=bookworm
if [ "${1:-}" = --suite ]; then
        SUITE=${2:?make-guest: --suite needs a suite}
        shift 2
fi
case $SUITE in
bookworm) EXT2FS_LIB=libext2fs2 ;;
# The 64-bit time_t transition renamed the library's package.
trixie) EXT2FS_LIB=libext2fs2t64 ;;
*) echo "make-guest: unknown suite '$SUITE' (bookworm or trixie)" >&2; exit 64 ;;
esac
PACKAGES="systemd systemd-sysv udev dbus kmod e2fsprogs util-linux mount initramfs-tools dracut-core
linux-image-amd64 $EXT2FS_LIB libcom-err2 libblkid1 libudev1 libsystemd0 libjson-c5"
ROOT_SIZE=1536M

cache=${1:-${FCR_BOOT_CACHE:-/var/cache/fcreplay-boot}}
# The host's apt sources, where they are the suite's (the guest's
# libraries are then the ones the project was built against); else
# mmdebstrap's default mirror for the suite.
sources=""
if grep -qs "^VERSION_CODENAME=$SUITE\$" /etc/os-release; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] && sources="$sources $f"
        done
fi
key=$( { cat "$0"; echo "$PACKAGES $SUITE"; [ -z "$sources" ] || cat $sources; } | sha256sum | cut -c1-16)
dir="$cache/guest-$SUITE-$key"
if [ -f "$dir/complete" ]; then
        echo "$dir"
        exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "make-guest: needs root (mmdebstrap, mke2fs -d)" >&2; exit 77; }
command -v mmdebstrap > /dev/null || { echo "make-guest: mmdebstrap is not installed" >&2; exit 77; }
mkdir -p "$cache"
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
tree="$dir.tmp/tree"
echo "make-guest: building the guest in $dir (mmdebstrap $SUITE)" >&2
start=$(date +%s)
mirrors=()
for f in $sources; do mirrors+=("$f"); done
mmdebstrap --mode=root --variant=minbase --quiet \
        --include="$(echo $PACKAGES | tr ' ' ',')" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --customize-hook='echo fcrguest > "$1/etc/hostname"' \
        --customize-hook='mkdir -p "$1/var/log/journal"' \
        --customize-hook='chroot "$1" passwd -d root' \
        --customize-hook='systemctl --root="$1" mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service 2>/dev/null || true' \
        --customize-hook='rm -f "$1"/etc/machine-id; echo uninitialized > "$1"/etc/machine-id' \
        "$SUITE" "$tree" "${mirrors[@]}" >&2
cp "$tree"/boot/vmlinuz-* "$dir.tmp/vmlinuz"
cp "$tree"/boot/initrd.img-* "$dir.tmp/initrd.img"
chroot "$tree" dpkg-query -W -f='${Package} ${Version}\n' > "$dir.tmp/packages.txt"
truncate -s "$ROOT_SIZE" "$dir.tmp/root.img"
mke2fs -q -t ext4 -O fast_commit -L fcrguest -d "$tree" "$dir.tmp/root.img"
rm -rf "$tree"
touch "$dir.tmp/complete"
# Keep one guest per suite: older keys are stale.
for old in "$cache"/guest-"$SUITE"-* "$cache"/guest-????????????????; do
        [ "$old" = "$dir.tmp" ] || rm -rf "$old"
done
mv "$dir.tmp" "$dir"
echo "make-guest: built in $(( $(date +%s) - start )) s" >&2
echo "$dir"
