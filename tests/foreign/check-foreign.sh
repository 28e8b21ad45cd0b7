#!/bin/bash
# check-foreign.sh [--fixtures-only] [--cross] [SUITE:ARCH ...]: the project on the
# Debian platforms besides the host's, each in an mmdebstrap chroot
# (tests/foreign/make-chroot.sh, cached), a foreign architecture under
# qemu-user.  Default: trixie:amd64 bookworm:s390x bookworm:armhf.
#
#  - the host's architecture: dpkg-buildpackage, whose make check must pass
#    (tests that need what a chroot lacks skip, and are listed), then
#    lintian from that suite: no errors;
#  - another architecture: configure and make in its chroot (no compiler
#    warning), then the unit tests (make check-unit); with --cross (CI:
#    compiling under qemu-user takes half an hour here) the host's cross
#    compiler (gcc-TRIPLET) builds against the chroot as its sysroot, and
#    only the unit tests and replays run in the chroot under qemu-user;
#  - on every platform: each fixture and one image of each of the
#    generator's configurations (made here by tests/foreign/make-images.sh;
#    --fixtures-only: the fixtures alone) replayed with both allocators by
#    tests/foreign/replay-all.sh, and compared with this host's replays
#    (tests/foreign/compare.py): the same report, tree and e2fsck -fn
#    result, the same image byte for byte.
#
# Prints one line per platform, and exits 0 when every platform passed, 1
# when one failed, 77 when this machine cannot run it (not root, no
# mmdebstrap or qemu-user; FCR_FOREIGN_REQUIRED=1 makes that a failure).
# Environment: top_srcdir, top_builddir (a build of this tree, the
# reference); FCR_FOREIGN_CACHE (chroots, default
# /var/cache/fcreplay-foreign); FCR_FOREIGN_WORK (a work directory to
# keep; default a temporary one, kept on failure).
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
src=$(cd "$top_srcdir" && pwd)
build=$(cd "$top_builddir" && pwd)
here="$src/tests/foreign"
host_arch=$(dpkg --print-architecture)

images_opt= cross=
while [ $# -gt 0 ]; do
        case $1 in
        --fixtures-only) images_opt=--fixtures-only ;;
        --cross) cross=1 ;;
        *) break ;;
        esac
        shift
done
platforms=${*:-trixie:amd64 bookworm:s390x bookworm:armhf}

cannot() {
        if [ -n "${FCR_FOREIGN_REQUIRED:-}" ]; then
                echo "check-foreign: FAIL: cannot run: $*" >&2
                exit 1
        fi
        echo "check-foreign: SKIP: $*" >&2
        exit 77
}

# ---------------------------------------------------------------- set-up

[ "$(id -u)" -eq 0 ] || cannot "needs root (mmdebstrap, chroot, the generator's loop devices)"
need_debs() {
        local missing=""
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing="$missing $p"
        done
        [ -z "$missing" ] && return 0
        echo "check-foreign: installing$missing"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null ||
                cannot "cannot install$missing"
}
need_debs mmdebstrap qemu-user-static binfmt-support arch-test python3
# binfmt_misc runs the chroots' programs under qemu-user-static.
if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || cannot "cannot mount binfmt_misc"
fi
update-binfmts --enable > /dev/null 2>&1 || true
for p in $platforms; do
        a=${p#*:}
        [ "$a" = "$host_arch" ] || arch-test "$a" > /dev/null 2>&1 || cannot "this kernel cannot run $a programs (arch-test $a)"
done
[ -x "$build/fcreplay" ] && [ -x "$build/tests/tools/fcr-fctree" ] ||
        { echo "check-foreign: build $build first (make all check_PROGRAMS)" >&2; exit 1; }

work=${FCR_FOREIGN_WORK:-$(mktemp -d /var/tmp/fcr-foreign.XXXXXX)}
mkdir -p "$work"
. "$here/lib.sh"

step() { echo "check-foreign [$(date -u +%H:%M:%S)]: $*"; }
now() { date +%s; }

# ---------------------------------------------------------------- the tree

# The tracked files only: nothing built in this tree leaks into a chroot.
tracked="$work/tracked.tar"
tracked_tar "$src" "$tracked"

# ---------------------------------------------------------------- images

t=$(now)
rm -rf "$work/images" "$work/ref"
mkdir -p "$work/images"
what="the fixtures and the generator's configurations"
[ -z "$images_opt" ] || what="the fixtures"
step "crash images: $what (make-images.sh)"
top_srcdir=$src top_builddir=$build "$here/make-images.sh" $images_opt "$work/images" > "$work/make-images.log" 2>&1 ||
        { cat "$work/make-images.log"; echo "check-foreign: making the images failed" >&2; exit 1; }
"$here/replay-all.sh" "$build" "$work/images" "$work/ref" > /dev/null
nimages=$(ls "$work/images" | wc -l)
step "$nimages images, replayed on the host ($host_arch) in $(( $(now) - t )) s"

# ---------------------------------------------------------------- a chroot

# no_warnings LOG...: whether the compiler warned in none of the logs.
warning='^[^ ]+\.[ch]:[0-9]+(:[0-9]+)?: warning: '
no_warnings() {
        local n
        n=$(cat "$@" | grep -cE "$warning" || true)
        [ "$n" -eq 0 ] && return 0
        cat "$@" | grep -E "$warning" | head -20
        echo "$n compiler warning(s)" >> "$1"
        return 1
}

# build_package SUITE LOG: scripts/build-deb.sh in a chroot of SUITE
# (dpkg-buildpackage, make check, that suite's lintian); sets $c, $built,
# $tested and $builddir.
build_package() {
        local suite=$1 log=$2 pkg="$work/pkg-$1" rc=0
        rm -rf "$pkg"
        "$here/build-deb-chroot.sh" "$suite" "$pkg" > "$log.deb" 2>&1 || rc=$?
        cat "$pkg/build.log" "$log.deb" >> "$log" 2> /dev/null || true
        [ $rc -eq 0 ] || return 1
        c=$(tail -1 "$log.deb")
        no_warnings "$pkg/build.log" || return 1
        built="built (dpkg-buildpackage, gcc $(in_chroot "$c" gcc -dumpfullversion), no warning; lintian: no errors, $(grep -c '^[WI]: ' "$log.deb" || true) warning(s) and info(s))"
        tested="make check passed ($(summary "$pkg/build.log"))"
        builddir=/build/tree/fcreplay-$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
}

# build_tree SUITE ARCH LOG: configure, make and the unit tests in a
# chroot; sets $c, $built, $tested and $builddir.
build_tree() {
        local log=$3 d=/build/src
        c=$("$here/make-chroot.sh" "$1" "$2" build 2>> "$log") || return 1
        # The generated build system, made once on the host: the build
        # chroots need no autotools.
        if [ ! -f "$work/autogen/configure" ]; then
                rm -rf "$work/autogen" && mkdir "$work/autogen"
                tar -C "$work/autogen" -xf "$tracked"
                (cd "$work/autogen" && ./autogen.sh) > "$work/autogen.log" 2>&1 ||
                        { echo "check-foreign: autogen.sh failed (log: $work/autogen.log)" >&2; return 1; }
        fi
        rm -rf "$c/build"
        mkdir -p "$c/build"
        cp -a "$work/autogen" "$c$d"
        in_chroot "$c" sh -c "cd $d && ./configure --quiet && make -j$(nproc) && make -j$(nproc) tests/tools/fcr-fctree" \
                >> "$log" 2>&1 || return 1
        local gcc
        gcc=$(in_chroot "$c" gcc -dumpfullversion)
        in_chroot "$c" sh -c "cd $d && make -j$(nproc) check-unit" > "$log.check" 2>&1 || { cat "$log.check" >> "$log"; return 2; }
        # The unit tests' compilation is in the second log.
        no_warnings "$log" "$log.check" || return 1
        built="built (gcc $gcc, no warning)"
        tested="unit tests passed ($(summary "$log.check"))"
        builddir=$d
}

# build_cross SUITE ARCH LOG: the host's cross compiler, the chroot as its
# sysroot, the unit tests then run in the chroot under qemu-user (not with
# QEMU_LD_PREFIX on the host: qemu-user then resolves "/" in the sysroot,
# and lib/trust.c's walks from "/" find the wrong tree), the build
# directory bind-mounted at its own path; sets $c, $built, $tested and
# $builddir (the same path on the host and in the chroot).
build_cross() {
        local log=$3 gnu multiarch d="$work/cross-$2" rc=0
        gnu=$(dpkg-architecture -a"$2" -qDEB_HOST_GNU_TYPE 2> /dev/null)
        multiarch=$(dpkg-architecture -a"$2" -qDEB_HOST_MULTIARCH 2> /dev/null)
        need_debs "gcc-$gnu"
        c=$("$here/make-chroot.sh" "$1" "$2" build 2>> "$log") || return 1
        rm -rf "$d" && mkdir -p "$d"
        tar -C "$d" -xf "$tracked"
        # The host's dpkg-buildflags speaks for the host's release: after
        # bookworm, Debian's 32-bit architectures but i386 build with a
        # 64-bit time_t (the t64 transition), libext2fs among them, and a
        # build with another would read struct_ext2_filsys at the wrong
        # offsets (trixie's armhf: SIGBUS in the unit tests).
        local cppflags bits
        cppflags=$(DEB_HOST_ARCH=$2 dpkg-buildflags --get CPPFLAGS)
        bits=$(dpkg-architecture -a"$2" -qDEB_HOST_ARCH_BITS 2> /dev/null)
        case $1:$2:$bits in
        bullseye:* | bookworm:* | *:i386:* | *:*:64) ;;
        *) cppflags="$cppflags -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64" ;;
        esac
        # Every program, the unit tests' too, compiled here: make in the
        # chroot then finds nothing to build (no dependency tracking: the
        # dependency files would name the cross compiler's headers, which
        # the chroot has not).  dpkg-buildflags' CPPFLAGS
        # (64-bit time_t and file offsets), as Debian's builds of the
        # package have them.
        (
                export PKG_CONFIG_SYSROOT_DIR="$c" PKG_CONFIG_LIBDIR="$c/usr/lib/$multiarch/pkgconfig:$c/usr/share/pkgconfig"
                cd "$d" && ./autogen.sh && ./configure --quiet --disable-dependency-tracking --host="$gnu" CC="$gnu-gcc --sysroot=$c" \
                        CPPFLAGS="$cppflags" &&
                        make -j"$(nproc)" && make -j"$(nproc)" check TESTS=
        ) >> "$log" 2>&1 || return 1
        chroot_enter "$c"
        chroot_bind "$c" /dev /sys "$d"
        in_chroot "$c" sh -c "cd $d && make check-unit" > "$log.check" 2>&1 || rc=2
        chroot_leave
        [ $rc -eq 0 ] || { cat "$log.check" >> "$log"; return $rc; }
        no_warnings "$log" "$log.check" || return 1
        built="cross-built (${gnu}-gcc $("$gnu-gcc" -dumpfullversion), no warning)"
        tested="unit tests passed in the chroot under qemu-user ($(summary "$log.check"))"
        builddir=$d
}

# The harness's counts: "12 pass, 0 skip", and the skipped tests by name.
summary() {
        local pass skip
        pass=$(sed -n 's/^# PASS: *//p' "$1" | tail -1)
        skip=$(sed -n 's/^# SKIP: *//p' "$1" | tail -1)
        echo "${pass:-0} pass, ${skip:-0} skip$(grep '^SKIP: ' "$1" | sed 's/^SKIP: //' | tr '\n' ' ' |
                sed 's/ $//; s/^./: &/')"
}

failed=0
results=()
for p in $platforms; do
        suite=${p%%:*} arch=${p#*:}
        t=$(now)
        log="$work/$suite-$arch.log"
        : > "$log"
        c="" built="" tested="" builddir=""
        rc=0
        if [ "$arch" = "$host_arch" ]; then
                step "$suite/$arch: the chroot, scripts/build-deb.sh there (dpkg-buildpackage, make check, lintian)"
                build_package "$suite" "$log" || rc=$?
        elif [ -n "$cross" ]; then
                step "$suite/$arch: the sysroot, cross-built here, make check-unit under qemu-user"
                build_cross "$suite" "$arch" "$log" || rc=$?
        else
                step "$suite/$arch: the chroot, configure, make, make check-unit"
                build_tree "$suite" "$arch" "$log" || rc=$?
        fi
        line="$suite/$arch: "
        if [ $rc -ne 0 ]; then
                line+="${built:+$built, }FAILED: $([ -z "$built" ] && echo build || echo tests) (see $log)"
                failed=1
        else
                step "$suite/$arch: replaying the images"
                rm -rf "$work/out-$suite-$arch"
                cmp="$work/compare-$suite-$arch.txt"
                rc=0
                chroot_enter "$c" "$work"
                # A cross build lives on the host, at the same path in the chroot.
                [ "$builddir" = "${builddir#"$work"/}" ] || chroot_bind "$c" "$builddir"
                in_chroot "$c" "$builddir/tests/foreign/replay-all.sh" "$builddir" /fcr/images "/fcr/out-$suite-$arch" >> "$log" 2>&1 || rc=$?
                chroot_leave
                if [ $rc -eq 0 ] && "$here/compare.py" "$work/ref" "$work/out-$suite-$arch" > "$cmp"; then
                        grep '^compare: note:' "$cmp" || true
                        line+="$built, $tested, fixtures identical ($(tail -1 "$cmp" | sed 's/^compare: //; s/, 0 difference(s)//') of $nimages images)"
                else
                        tail -20 "$cmp" 2> /dev/null || true
                        line+="$built, $tested, FAILED: replays differ (see $cmp)"
                        failed=1
                fi
        fi
        results+=("$line [$(( $(now) - t )) s]")
        step "$line [$(( $(now) - t )) s]"
done

echo
for r in "${results[@]}"; do
        echo "check-foreign: $r"
done
if [ $failed -ne 0 ] || [ -n "${FCR_FOREIGN_WORK:-}" ]; then
        echo "check-foreign: work directory kept: $work"
else
        rm -rf "$work"
fi
exit $failed
