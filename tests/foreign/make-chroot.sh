#!/bin/bash
# make-chroot.sh: a Debian build chroot of one suite and architecture, from
# Debian packages with mmdebstrap (a foreign architecture runs under
# qemu-user through binfmt_misc), cached outside the clone and keyed by
# what goes into it (the suite, the architecture, the packages and the
# recipe's version: bump RECIPE when the mmdebstrap call changes).
#
#   make-chroot.sh SUITE ARCH PROFILE [CACHE_DIR]
#                                  prints the chroot's directory
#
# PROFILE "build": what builds the project from a tree autogen.sh has run
# in (on the host) and runs its unit tests and replays (gcc, make, the
# libraries' -dev packages, Check, e2fsprogs), only unpacked (mmdebstrap
# --variant=extract: no maintainer script runs, so nothing runs under
# qemu-user while it is made; a minbase chroot of armhf took 33 minutes
# here, this 3).  It is also the sysroot of a cross build
# (check-foreign.sh --cross).  "package": the whole of debian/control's Build-Depends,
# what make check runs (python3, dbus-daemon, udev), debhelper and lintian,
# for dpkg-buildpackage.  CACHE_DIR defaults to $FCR_FOREIGN_CACHE or
# /var/cache/fcreplay-foreign.  Needs root.  Exit 77: cannot be made here.
set -euo pipefail

usage="usage: make-chroot.sh SUITE ARCH build|package [CACHE_DIR]"
suite=${1:?$usage}
arch=${2:?$usage}
profile=${3:?$usage}
cache=${4:-${FCR_FOREIGN_CACHE:-/var/cache/fcreplay-foreign}}

# The libraries come from debian/control's Build-Depends (its -dev
# packages and Check): a library added there reaches the chroots too.
control="$(dirname "$0")/../../debian/control"
[ -f "$control" ] || { echo "make-chroot: $control is missing" >&2; exit 1; }
libs=$(sed -n '/^Build-Depends:/,/^[^ ]/{s/^Build-Depends://;p}' "$control" | tr ',' '\n' |
        sed 's/[(<[|].*//; s/[[:space:]]//g' | grep -E -- '-dev$|^check$' | sort -u | tr '\n' ' ')
case $libs in
*libext2fs-dev*) ;;
*) echo "make-chroot: no -dev package found in $control's Build-Depends" >&2; exit 1 ;;
esac
PACKAGES="gcc libc6-dev make pkgconf e2fsprogs $libs"
variant=minbase
case $profile in
# What the build's shell scripts run, which extract does not bring in.
build) variant=extract
        PACKAGES="$PACKAGES coreutils dash bash sed grep mawk diffutils findutils tar gzip libc-bin" ;;
package) PACKAGES="$PACKAGES build-essential autoconf automake libtool gzip util-linux
python3 dbus-daemon udev debhelper dpkg-dev lintian" ;;
*) echo "$usage" >&2; exit 64 ;;
esac
RECIPE=2

key=$(echo "$RECIPE $suite $arch $variant $PACKAGES" | sha256sum | cut -c1-12)
dir="$cache/$suite-$arch-$profile-$key"
if [ -f "$dir/.fcr-complete" ]; then
        echo "$dir"
        exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "make-chroot: needs root (mmdebstrap in root mode)" >&2; exit 77; }
command -v mmdebstrap > /dev/null || { echo "make-chroot: mmdebstrap is not installed" >&2; exit 77; }
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
        # binfmt_misc runs the chroot's programs under qemu-user-static.
        command -v arch-test > /dev/null && ! arch-test "$arch" > /dev/null 2>&1 &&
                { echo "make-chroot: this kernel cannot run $arch programs (arch-test $arch; qemu-user-static, binfmt-support)" >&2; exit 77; }
fi
mkdir -p "$cache"
rm -rf "$dir" "$dir.tmp"
echo "make-chroot: building $suite/$arch ($profile) in $dir (mmdebstrap)" >&2
start=$(date +%s)
mmdebstrap --mode=root --variant="$variant" --quiet --arch="$arch" \
        --include="$(echo $PACKAGES | tr ' ' ',')" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        "$suite" "$dir.tmp" >&2
touch "$dir.tmp/.fcr-complete"
# Keep one chroot per suite, architecture and profile: older keys are stale.
for old in "$cache/$suite-$arch-$profile"-*; do
        [ "$old" = "$dir.tmp" ] || rm -rf "$old"
done
mv "$dir.tmp" "$dir"
echo "make-chroot: $suite/$arch ($profile) built in $(( $(date +%s) - start )) s" >&2
echo "$dir"
