#!/bin/bash
# build-deb-chroot.sh SUITE OUTDIR: the Debian packages built for SUITE (on
# this host's architecture) by scripts/build-deb.sh in a chroot of SUITE
# (tests/foreign/make-chroot.sh, cached): dpkg-buildpackage, with make
# check unless DEB_BUILD_OPTIONS=nocheck, and that suite's lintian, no
# error.  Copies the .debs, .changes, .buildinfo and build.log to OUTDIR;
# the build tree stays in the chroot, CHROOT/build/tree/fcreplay-VERSION,
# until the next build there.  Prints the chroot's directory last.  Needs
# root; exit 77 when the chroot cannot be made here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
suite=${1:?usage: build-deb-chroot.sh SUITE OUTDIR}
out=$(realpath -m "${2:?usage: build-deb-chroot.sh SUITE OUTDIR}")

c=$("$here/make-chroot.sh" "$suite" "$(dpkg --print-architecture)" package)
rm -rf "$c/build"
mkdir -p "$c/build/src" "$out"
tracked_tar "$src" "$c/build/tracked.tar"
tar -C "$c/build/src" -xf "$c/build/tracked.tar"
chroot_enter "$c"
# The host's devices: make check's loop-device tests run in the chroot too
# (with a chroot's own /dev they skip).
chroot_bind "$c" /dev /sys
rc=0
in_chroot "$c" DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} parallel=$(nproc)" FCR_DEB_TREE=/build/tree \
        /build/src/scripts/build-deb.sh /build/out || rc=$?
chroot_leave
cp "$c"/build/out/* "$out/" 2> /dev/null || true
[ $rc -eq 0 ] || { echo "build-deb-chroot: scripts/build-deb.sh failed in the $suite chroot (log: $out/build.log)" >&2; exit 1; }
echo "$c"
