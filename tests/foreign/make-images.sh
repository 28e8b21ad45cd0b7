#!/bin/sh
# make-images.sh [--fixtures-only] OUT: the crash images check-foreign
# replays on every platform: each fixture in tests/fixtures/ and one image
# of each of the generator's configurations (tests/crashgen/configs.txt,
# seed $FCR_FOREIGN_SEED, 71000 by default), made on this host by its
# kernel.  Needs root and loop devices for the generator (exit 77 without).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
fixtures_only=
[ "${1:-}" = --fixtures-only ] && { fixtures_only=1; shift; }
out=${1:?usage: make-images.sh [--fixtures-only] OUT}
seed=${FCR_FOREIGN_SEED:-71000}
mkdir -p "$out"
for fx in "$top_srcdir"/tests/fixtures/*/; do
        gzip -dc "$fx/crash.img.gz" | cp --sparse=always /dev/stdin "$out/fixture-$(basename "$fx").img"
done
if [ -n "$fixtures_only" ]; then
        echo "make-images: $(ls "$out" | wc -l) images in $out"
        exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' "$top_srcdir/tests/crashgen/configs.txt" | while read -r name args; do
        rc=0
        # shellcheck disable=SC2086
        "$top_srcdir/tests/crashgen/make-crash-image.sh" "$tmp/$name" $args --seed "$seed" > "$tmp/log" 2>&1 || rc=$?
        # 3: the kernel cannot replay its own image; fcreplay's result is
        # compared all the same.
        case $rc in
        0|3) mv "$tmp/$name/crash.img" "$out/gen-$name.img" ;;
        *) cat "$tmp/log" >&2; echo "make-images: the generator failed for $name (exit $rc)" >&2; exit $rc ;;
        esac
        rm -rf "${tmp:?}/$name"
done
echo "make-images: $(ls "$out" | wc -l) images in $out"
