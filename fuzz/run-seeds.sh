#!/bin/sh
# The fuzz targets over their seed corpus: every seed must run through
# the parsers without a crash (sanitizer builds also catch memory errors).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
for t in jbd2 fc engine worker probe; do
        n=$(find "$top_srcdir/fuzz/corpus/$t" -type f | wc -l)
        [ "$n" -gt 0 ] || { echo "FAIL: no seeds in fuzz/corpus/$t" >&2; exit 1; }
        find "$top_srcdir/fuzz/corpus/$t" -type f -print0 | xargs -0 "$top_builddir/fuzz/seeds-$t" \
                || { echo "FAIL: fuzz target $t crashed on a seed" >&2; exit 1; }
done
