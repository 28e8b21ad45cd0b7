# Shared helpers for the integration tests (sourced).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
FCREPLAY="$top_builddir/fcreplay"
FIXTURES="$top_srcdir/tests/fixtures"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# unpack FIXTURE_DIR DEST: the fixture's crash image, sparse.
# unpack FIXTURE_DIR IMG: sparse, so that the copies the tests make of it
# (cp --sparse=always) skip its zeros.
unpack() { gzip -dc "$1/crash.img.gz" | cp --sparse=always /dev/stdin "$2"; }

needs_recovery() { dumpe2fs -h "$1" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'; }

fsck_clean() {
        e2fsck -fn "$1" > "$TMP/fsck.out" 2>&1 || { cat "$TMP/fsck.out" >&2; fail "e2fsck -fn $1 is not clean"; }
}

sum() { sha256sum "$1" | cut -d' ' -f1; }

# have_loop: root, with loop devices to attach (a chroot's /dev, as in a
# package build, has none, though losetup -f still names one).
have_loop() { [ "$(id -u)" -eq 0 ] && [ -c /dev/loop-control ] && losetup -f > /dev/null 2>&1; }

# expect STATUS PATTERN WHAT -- fcreplay args...: the image named last
# must not change.
expect() {
        want=$1 pattern=$2 what=$3
        shift 4
        eval "img=\${$#}"
        before=$(sum "$img")
        rc=0
        "$FCREPLAY" "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
        cat "$TMP/err"
        [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want"
        grep -q -- "$pattern" "$TMP/err" || fail "$what: the message does not say '$pattern'"
        [ "$(sum "$img")" = "$before" ] || fail "$what: the image changed"
        echo "$(basename "$0" .sh): $what: exit $rc, unchanged"
}
