#!/bin/sh
# Crafted journals (tests/crafted, the small scale): each is refused with
# the image unchanged (exit 2, the reason named), or replayed to a
# filesystem that e2fsck -fn finds clean, never half-written.  Replay and
# inspect (text and JSON) each stay under RSS_MAX_MIB of peak resident
# memory whatever the log holds, and beyond the memory ceiling the replay
# is refused, the image unchanged.  Prints each command's peak RSS and
# time; bench/crafted.sh measures the full-scale images.  About a minute.
. "$top_srcdir/tests/integration/lib.sh"
MAKE="$top_srcdir/tests/crafted/make-crafted.sh"
RSS="$top_builddir/tests/crafted/fcr-rss"
RSS_MAX_MIB=128
# Address space for the commands: a runaway fails here at once instead of
# taking the machine's memory (the engine caps itself lower).
AS_MIB=2048
# A sanitizer build (./configure --enable-sanitizers, CI's second pass):
# ASan needs terabytes of address space and its shadow adds to the RSS,
# so neither bound can be checked there; refusals and results still are.
if [ "${FCR_SANITIZED:-0}" = 1 ]; then
        echo "crafted: sanitizer build: the memory bounds are not checked, the outcomes are"
        AS_MIB=0 RSS_MAX_MIB=1000000
fi
command -v mke2fs > /dev/null && command -v debugfs > /dev/null || skip "no mke2fs/debugfs"
[ -x "$RSS" ] || fail "build $RSS first"

# measure -- fcreplay args: run under fcr-rss; sets rc, prints the figures.
measure() {
        shift
        rc=0
        "$RSS" "$TMP/rss" "$AS_MIB" "$FCREPLAY" "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
        read -r kib secs < "$TMP/rss"
        echo "crafted: $kind: $*: exit $rc, peak RSS $((kib / 1024)) MiB, $secs s" | sed "s|$TMP/||"
        [ "$kib" -le $((RSS_MAX_MIB * 1024)) ] || fail "$kind: $*: peak RSS $kib KiB, over $RSS_MAX_MIB MiB"
}

refused() {
        pattern=$1
        before=$(sum "$img")
        for cmd in "replay --dry-run" "inspect" "replay"; do
                # shellcheck disable=SC2086
                measure -- $cmd "$img"
                [ "$rc" -eq 2 ] || fail "$kind: $cmd: exit $rc, expected 2: $(cat "$TMP/err")"
                grep -q -- "$pattern" "$TMP/err" || fail "$kind: $cmd: the reason is not '$pattern': $(cat "$TMP/err")"
        done
        [ "$(sum "$img")" = "$before" ] || fail "$kind: refused, yet the image changed"
}

clean() {
        for cmd in "inspect" "inspect --json" "replay"; do
                # shellcheck disable=SC2086
                measure -- $cmd "$img"
                [ "$rc" -eq 0 ] || fail "$kind: $cmd: exit $rc: $(cat "$TMP/err")"
                [ "$cmd" != "inspect --json" ] || python3 -c 'import json, sys; json.load(sys.stdin)' < "$TMP/out" ||
                        fail "$kind: inspect --json is not JSON"
        done
        needs_recovery "$img" && fail "$kind: needs_recovery still set"
        fsck_clean "$img"
}

# KIND OUTCOME [PATTERN]
while read -r kind outcome pattern; do
        case " ${CRAFTED_KINDS:-$kind} " in *" $kind "*) ;; *) continue ;; esac
        img="$TMP/$kind.img"
        sh "$MAKE" "$kind" "$img" small 2> "$TMP/make.err" || fail "$kind: cannot make the image: $(cat "$TMP/make.err")"
        if [ "$kind" = descriptors ]; then
                # inspect lists 16384 blocks of the 32 K the log holds.
                "$FCREPLAY" inspect "$img" > "$TMP/inspect" || fail "$kind: inspect: exit $?"
                grep -q "more logged blocks, not listed" "$TMP/inspect" || fail "$kind: inspect lists every block"
        fi
        if [ "$kind" = fc-tags ] && command -v prlimit > /dev/null && [ "${FCR_SANITIZED:-0}" != 1 ]; then
                # Beyond the memory ceiling (here a lower one): refused, unchanged.
                before=$(sum "$img")
                rc=0
                prlimit --as=$((32 << 20)) "$FCREPLAY" replay "$img" > /dev/null 2> "$TMP/err" || rc=$?
                [ "$rc" -eq 2 ] && grep -q "more memory than the 32 MiB" "$TMP/err" ||
                        fail "$kind: over the memory limit: exit $rc: $(cat "$TMP/err")"
                [ "$(sum "$img")" = "$before" ] || fail "$kind: over the memory limit, yet the image changed"
                echo "crafted: $kind: under 32 MiB of address space: refused, unchanged"
        fi
        "$outcome" "$pattern"
        rm -f "$img"
done <<'KINDS'
descriptors clean
revokes clean
jbd2-meta-copy clean
jbd2-sb refused does not open
jbd2-gdt refused fails its checksum
jbd2-bitmap refused fails the checksum
jbd2-itable refused fails its checksum
jbd2-journal refused a block of the journal itself
fc-pad clean
fc-tags clean
fc-ranges clean
extents-deep clean
fc-sb refused holds a superblock
fc-gdt refused holds the group descriptors
fc-bitmap refused holds a block bitmap
fc-itable refused holds an inode table
fc-journal refused holds the journal
fc-del-journal clean
fc-inode-reserved refused a reserved inode
fc-link-reserved clean
fc-dirent-nondir refused which is not a directory
KINDS
# At full scale the area commits 8 M tags: more than a replay may take;
# refused before any is kept, in a walk of the area.
kind=fc-tags
img="$TMP/$kind-full.img"
sh "$MAKE" "$kind" "$img" full 2> "$TMP/make.err" || fail "$kind: cannot make the image: $(cat "$TMP/make.err")"
refused "more than the 2097152 units of work"
rm -f "$img"
echo "crafted: every image refused unchanged or replayed clean, each command under $RSS_MAX_MIB MiB"
