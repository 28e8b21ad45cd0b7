#!/bin/sh
# make-crafted.sh KIND IMAGE [SCALE]: a fresh ext4 image (sparse) with the
# crafted journal KIND of fcr-craft (fcr-craft --list).  SCALE "full" (the
# default) makes the sizes the figures of docs/limits.md come from;
# "small" an eighth of the journal, for the tests that run by default.
# Needs mke2fs and debugfs; exits 77 without them.
set -eu
kind=${1:?usage: make-crafted.sh KIND IMAGE [full|small]}
img=${2:?usage: make-crafted.sh KIND IMAGE [full|small]}
scale=${3:-full}
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
CRAFT="$top_builddir/tests/crafted/fcr-craft"
command -v mke2fs > /dev/null && command -v debugfs > /dev/null || { echo "make-crafted: no mke2fs/debugfs" >&2; exit 77; }
[ -x "$CRAFT" ] || { echo "make-crafted: build $CRAFT first" >&2; exit 1; }

# Filesystem and journal sizes (MiB) by kind.
features=metadata_csum,64bit
case "$kind" in
descriptors) size=2600 journal=1024 ;;
revokes) size=512 journal=128 features=metadata_csum,^64bit ;;
fc-pad | fc-tags) size=512 journal=128 features=$features,fast_commit ;;
fc-ranges) size=1024 journal=128 features=$features,fast_commit ;;
extents-deep) size=8192 journal=64 features=$features,fast_commit ;;
jbd2-*) size=64 journal=4 ;;
fc-*) size=64 journal=8 features=$features,fast_commit ;;
*) echo "make-crafted: unknown kind $kind" >&2; exit 64 ;;
esac
if [ "$scale" = small ] && [ "$journal" -ge 32 ]; then
        journal=$((journal / 8))
        size=$((size / 2))
        # A tree of depth 2, not 3: about 4 s to replay, not 2 minutes.
        [ "$kind" = extents-deep ] && export FCR_CRAFT_MAX_TAGS=${FCR_CRAFT_MAX_TAGS:-30000}
fi
rm -f "$img"
truncate -s "${size}M" "$img"
mke2fs -q -F -t ext4 -b 4096 -O "$features" -J size="$journal" \
        -E lazy_itable_init=1,lazy_journal_init=1 "$img"
# The regular file the fast-commit kinds work on (/file, inode 12 or 13).
debugfs -w -R "write /dev/null file" "$img" > /dev/null 2>&1
"$CRAFT" "$img" "$kind"
