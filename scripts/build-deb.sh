#!/bin/sh
# Build the Debian packages (fcreplay, fcreplay-dev) from a clean copy of
# the tracked tree and check them with lintian.
#
#   scripts/build-deb.sh [OUTDIR]     default OUTDIR: ./build-deb
#
# Installs what the build needs (apt-get build-dep, lintian) when run as
# root and something is missing.  DEB_BUILD_OPTIONS=nocheck skips make
# check (CI has run it).  Fails on a lintian error; warnings are printed
# (explained in debian/README.source).  OUTDIR/build.log keeps the
# build's output.  FCR_DEB_TREE=DIR builds in DIR/fcreplay-VERSION (DIR
# new) and keeps it: tests/foreign/ replays with what the build made.
set -eu
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-deb}")
version=$(dpkg-parsechangelog -S Version)

if [ "$(id -u)" -eq 0 ] && ! { dpkg-checkbuilddeps 2> /dev/null && command -v lintian > /dev/null; }; then
        missing=""
        dpkg-query -W -f='${Status}' lintian 2>/dev/null | grep -q "install ok installed" || missing=lintian
        # build-dep ./ is a no-op when everything is there.
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq ./ > /dev/null
        [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
fi

# A copy of the tracked files: an in-tree build (configured, built) must
# not leak into the package.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
top=$tmp
if [ -n "${FCR_DEB_TREE:-}" ]; then
        top=$(realpath -m "$FCR_DEB_TREE")
        mkdir "$top"
fi
src="$top/fcreplay-$version"
mkdir "$src"
if git rev-parse --git-dir > /dev/null 2>&1; then
        git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$src"
else
        cp -a . "$src"
fi
echo "build-deb: dpkg-buildpackage -us -uc -b in $src"
mkdir -p "$out"
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
        tail -50 "$out/build.log"
        echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
        exit 1
}
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$out/build.log" || echo "build-deb: make check not run (nocheck)"

changes="$top/fcreplay_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes"
echo "build-deb: lintian $changes"
lintian --pedantic --display-info --fail-on error "$changes"
for f in "$top"/*.deb "$changes" "$top"/*.buildinfo; do
        cp "$f" "$out/"
        echo "build-deb: $out/${f##*/}"
done
