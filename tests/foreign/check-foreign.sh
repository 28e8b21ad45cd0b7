#!/bin/bash
# check-foreign.sh [--fixtures-only] [SUITE:ARCH ...]: the project on the
# Debian platforms besides the host's, each in an mmdebstrap chroot
# (tests/foreign/make-chroot.sh, cached), a foreign architecture under
# qemu-user.  Default: trixie:amd64 bookworm:s390x bookworm:armhf.
#
#  - the host's architecture: dpkg-buildpackage, whose make check must pass
#    (tests that need what a chroot lacks skip, and are listed), then
#    lintian from that suite: no errors;
#  - another architecture: configure and make (no compiler warning), then
#    the unit tests (make check-unit);
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

images_kind=all
if [ "${1:-}" = --fixtures-only ]; then
        images_kind=fixtures
        shift
fi
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
mounts=()
cleanup() {
        local i
        for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
                umount "${mounts[i]}" 2> /dev/null || umount -l "${mounts[i]}" 2> /dev/null || true
        done
        mounts=()
}
trap cleanup EXIT

step() { echo "check-foreign [$(date -u +%H:%M:%S)]: $*"; }
now() { date +%s; }

# ---------------------------------------------------------------- the tree

# The tracked files only: nothing built in this tree leaks into a chroot.
tracked="$work/tracked.tar"
if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
        git -C "$src" ls-files -z | tar -C "$src" --null -T - -cf "$tracked"
else
        tar -C "$src" --exclude-vcs -cf "$tracked" .
fi
version=$(cd "$src" && dpkg-parsechangelog -S Version)
# The generated build system, made once here: the build chroots need no
# autotools.
step "autogen.sh on the host"
rm -rf "$work/autogen" && mkdir "$work/autogen"
tar -C "$work/autogen" -xf "$tracked"
(cd "$work/autogen" && ./autogen.sh > /dev/null 2>&1) || { echo "check-foreign: autogen.sh failed" >&2; exit 1; }

# ---------------------------------------------------------------- images

t=$(now)
rm -rf "$work/images" "$work/ref"
mkdir -p "$work/images"
if [ $images_kind = fixtures ]; then
        for fx in "$src"/tests/fixtures/*/; do
                gzip -dc "$fx/crash.img.gz" | cp --sparse=always /dev/stdin "$work/images/fixture-$(basename "$fx").img"
        done
else
        step "crash images: the fixtures and the generator's configurations (make-images.sh)"
        top_srcdir=$src top_builddir=$build "$here/make-images.sh" "$work/images" > "$work/make-images.log" 2>&1 ||
                { cat "$work/make-images.log"; echo "check-foreign: making the images failed" >&2; exit 1; }
fi
"$here/replay-all.sh" "$build" "$work/images" "$work/ref" > /dev/null
nimages=$(ls "$work/images" | wc -l)
step "$nimages images, replayed on the host ($host_arch) in $(( $(now) - t )) s"

# ---------------------------------------------------------------- a chroot

# in_chroot DIR CMD...: CMD in the chroot, with /proc and the work
# directory (as /fcr) mounted, and a plain environment.
in_chroot() {
        local c=$1
        shift
        chroot "$c" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
                DEB_BUILD_OPTIONS="parallel=$(nproc)" "$@"
}

enter() {
        local c=$1
        mkdir -p "$c/fcr"
        mount -t proc proc "$c/proc" && mounts+=("$c/proc")
        mount --bind "$work" "$c/fcr" && mounts+=("$c/fcr")
}

# no_warnings LOG...: whether the compiler warned in none of the logs.
no_warnings() {
        local n
        n=$(cat "$@" | grep -c 'warning:' || true)
        [ "$n" -eq 0 ] && return 0
        cat "$@" | grep 'warning:' | head -20
        echo "$n compiler warning(s)" >> "$1"
        return 1
}

# build_package C LOG: dpkg-buildpackage (make check included) and lintian
# in chroot C; sets $built and $tested.
build_package() {
        local c=$1 log=$2 d="/build/fcreplay-$version"
        mkdir -p "$c$d"
        tar -C "$c$d" -xf "$tracked"
        in_chroot "$c" sh -c "cd $d && dpkg-buildpackage -us -uc -b" > "$log" 2>&1 || return 1
        local gcc
        gcc=$(in_chroot "$c" gcc -dumpfullversion)
        no_warnings "$log" || return 1
        in_chroot "$c" lintian --pedantic --display-info --fail-on error \
                "/build/fcreplay_${version}_$host_arch.changes" > "$log.lintian" 2>&1 ||
                { cat "$log.lintian"; echo "lintian: errors" >> "$log"; return 1; }
        built="built (dpkg-buildpackage, gcc $gcc, no warning; lintian: no errors, $(grep -c '^W: ' "$log.lintian" || true) warning(s))"
        tested="make check passed ($(summary "$log"))"
        builddir=$d
}

# build_tree C LOG: configure, make and the unit tests in chroot C.
build_tree() {
        local c=$1 log=$2 d=/build/src
        mkdir -p "$c/build"
        cp -a "$work/autogen" "$c$d"
        in_chroot "$c" sh -c "cd $d && ./configure --quiet && make -j$(nproc) && make -j$(nproc) tests/tools/fcr-fctree" \
                > "$log" 2>&1 || return 1
        local gcc
        gcc=$(in_chroot "$c" gcc -dumpfullversion)
        in_chroot "$c" sh -c "cd $d && make -j$(nproc) check-unit" > "$log.check" 2>&1 || { cat "$log.check" >> "$log"; return 2; }
        # The unit tests' compilation is in the second log.
        no_warnings "$log" "$log.check" || return 1
        built="built (gcc $gcc, no warning)"
        tested="unit tests passed ($(summary "$log.check"))"
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
        profile=build
        [ "$arch" = "$host_arch" ] && profile=package
        step "$suite/$arch: the chroot (make-chroot.sh $suite $arch $profile)"
        c=$("$here/make-chroot.sh" "$suite" "$arch" "$profile" 2>> "$log") ||
                { results+=("$suite/$arch: FAILED: no chroot (see $log)"); failed=1; continue; }
        rm -rf "$c/build"
        enter "$c"
        built="" tested="" builddir=""
        rc=0
        if [ $profile = package ]; then
                step "$suite/$arch: dpkg-buildpackage (make check) and lintian"
                build_package "$c" "$log" || rc=$?
        else
                step "$suite/$arch: configure, make, make check-unit"
                build_tree "$c" "$log" || rc=$?
        fi
        line="$suite/$arch: "
        if [ $rc -ne 0 ]; then
                line+="${built:+$built, }FAILED: $([ -z "$built" ] && echo build || echo tests) (see $log)"
                failed=1
        else
                step "$suite/$arch: replaying the images"
                out="/fcr/out-$suite-$arch"
                rm -rf "$work/out-$suite-$arch"
                if in_chroot "$c" sh -c "'$builddir/tests/foreign/replay-all.sh' '$builddir' /fcr/images '$out'" >> "$log" 2>&1 &&
                   "$here/compare.py" "$work/ref" "$work/out-$suite-$arch" > "$work/compare-$suite-$arch.txt"; then
                        line+="$built, $tested, fixtures identical ($nimages images, $(tail -1 "$work/compare-$suite-$arch.txt" | sed 's/^compare: //; s/, 0 difference.*//'))"
                else
                        cat "$work/compare-$suite-$arch.txt" 2> /dev/null | tail -20
                        line+="$built, $tested, FAILED: fixtures differ (see $work/compare-$suite-$arch.txt)"
                        failed=1
                fi
        fi
        cleanup
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
