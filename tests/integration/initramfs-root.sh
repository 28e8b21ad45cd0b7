#!/bin/sh
# The initramfs root helper (initramfs/fcreplay-root), on images: every
# decision has its one result line, nothing stops (exit 0 always), and a
# replay it runs leaves the image clean.  Under each POSIX shell found
# (dash, busybox ash, klibc's sh: what initramfs images run).  With root
# and loop devices, an external journal found by its UUID too.
. "$top_srcdir/tests/integration/lib.sh"
HELPER="$top_builddir/initramfs/fcreplay-root"
[ -x "$HELPER" ] || fail "$HELPER not built"
command -v blkid > /dev/null || skip "no blkid (util-linux)"
export FCREPLAY_BIN="$FCREPLAY" FCREPLAY_LOG=stderr
export FCREPLAY_INITRAMFS_CONF="$TMP/initramfs.conf" FCREPLAY_CMDLINE="$TMP/cmdline"
: > "$FCREPLAY_INITRAMFS_CONF"
sum() { sha256sum "$1" | cut -d' ' -f1; }

# run SHELL CMDLINE WHAT PATTERN [ARGS]: the helper exits 0 and its last
# line matches PATTERN.
run() {
        sh_=$1 cmdline=$2 what=$3 pattern=$4
        shift 4
        echo "$cmdline" > "$FCREPLAY_CMDLINE"
        rc=0
        $sh_ "$HELPER" "$@" > "$TMP/out" 2>&1 || rc=$?
        sed "s/^/    /" "$TMP/out"
        [ "$rc" -eq 0 ] || fail "$what ($sh_): exit $rc"
        last=$(tail -n 1 "$TMP/out")
        case "$last" in
        $pattern) echo "initramfs-root: $what ($sh_): ok" ;;
        *) fail "$what ($sh_): last line '$last', expected '$pattern'" ;;
        esac
}

shells=""
for s in dash "busybox sh" /usr/lib/klibc/bin/sh; do
        # shellcheck disable=SC2086
        if command -v ${s%% *} > /dev/null 2>&1 && $s -c 'exit 0' 2> /dev/null; then
                shells="$shells${shells:+:}$s"
        fi
done
[ -n "$shells" ] || shells=sh
IFS_=$IFS
IFS=:
for s in $shells; do
        IFS=$IFS_
        unpack "$FIXTURES/demo" "$TMP/img"
        run "$s" "quiet root=/dev/vda" "dirty, argument" \
                "fcreplay: root $TMP/img: replayed (32 transactions, 32 fast-commit tags, *)" "$TMP/img"
        needs_recovery "$TMP/img" && fail "needs_recovery still set"
        fsck_clean "$TMP/img"
        run "$s" "root=$TMP/img" "clean, from root=" "fcreplay: root $TMP/img: clean (nothing to replay, *)"
        IFS=:
done
IFS=$IFS_
s=${shells%%:*}

unpack "$FIXTURES/demo" "$TMP/img"
before=$(sum "$TMP/img")
run "$s" "root=$TMP/img fcreplay.mode=skip" "fcreplay.mode=skip" \
        "fcreplay: root $TMP/img: skipped (fcreplay.mode=skip on the kernel command line)"
run "$s" "root=$TMP/img fcreplay.mode=bogus" "bad fcreplay.mode" \
        "fcreplay: root $TMP/img: skipped (fcreplay.mode=bogus is neither auto nor skip)"
run "$s" "fcreplay.allocator=nosuch" "unknown allocator" "fcreplay: root $TMP/img: failed (exit 64; *)" "$TMP/img"
printf '# comment\n  root_replay =  no  # trailing\nbogus = 1\n' > "$FCREPLAY_INITRAMFS_CONF"
run "$s" "root=$TMP/img" "root_replay = no" "fcreplay: root $TMP/img: skipped (root_replay = no in *)"
grep -q "initramfs.conf:3: unknown key or bad value, ignored: bogus = 1" "$TMP/out" || fail "the unknown key is not reported"
: > "$FCREPLAY_INITRAMFS_CONF"
run "$s" "" "no root=" "fcreplay: root (none): skipped (no root device: *)"
run "$s" "root=UUID=00000000-1111-2222-3333-444444444444" "UUID not found" \
        "fcreplay: root UUID=00000000-1111-2222-3333-444444444444: skipped (device not found)"
[ "$(sum "$TMP/img")" = "$before" ] || fail "an image was written by a run that must not write"
truncate -s 4M "$TMP/zero.img"
run "$s" "root=$TMP/zero.img" "not ext" "fcreplay: root $TMP/zero.img: skipped (not ext2/3/4: 'unknown')"

# Refusal and time limit, through stand-in programs.
printf '#!/bin/sh\necho "refused: journal superblock checksum" >&2\nexit 2\n' > "$TMP/refuse"
printf '#!/bin/sh\nexec sleep 30\n' > "$TMP/hang"
chmod +x "$TMP/refuse" "$TMP/hang"
FCREPLAY_BIN="$TMP/refuse" run "$s" "root=$TMP/img" "refused" "fcreplay: root $TMP/img: refused (exit 2: *)"
grep -q "| refused: journal superblock checksum" "$TMP/out" || fail "fcreplay's message is not passed on"
start=$(date +%s)
FCREPLAY_BIN="$TMP/hang" run "$s" "root=$TMP/img fcreplay.timeout=1" "timeout" \
        "fcreplay: root $TMP/img: timeout (stopped after 1 s, exit 124; *)"
[ $(( $(date +%s) - start )) -lt 10 ] || fail "the time limit did not hold"
grep -q "replaying (time limit 1 s)" "$TMP/out" || fail "the time limit is not named"

# No limit (timeout 0) is said as such, not "time limit 0 s".
printf '#!/bin/sh
echo "nothing to do" >&2
' > "$TMP/noop"
chmod +x "$TMP/noop"
FCREPLAY_BIN="$TMP/noop" run "$s" "root=$TMP/img fcreplay.timeout=0" "no time limit" \
        "fcreplay: root $TMP/img: clean (nothing to replay, *)"
grep -q "replaying (no time limit)" "$TMP/out" || fail "timeout 0 is not logged as 'no time limit'"
grep -q "time limit 0" "$TMP/out" && fail "timeout 0 logged as 'time limit 0'"

# Strings from the disk (issue 23, section 3): fcreplay's lines, which may
# name files or labels in its escaped form (backslashes), pass through
# intact and one line each under every shell (echo in dash and ash reads
# "\c" as the end of its output and "\n" as a new line); a word of the
# command line is not expanded as a file name.
printf '#!/bin/sh\nprintf "%%s\\n" "refused: name a\\\\cb\\\\nc\\\\x1b[2J" >&2\nexit 2\n' > "$TMP/names"
chmod +x "$TMP/names"
: > "$TMP/root=LABEL=expanded"
IFS=:
for sh_ in $shells; do
        IFS=$IFS_
        (cd "$TMP" && FCREPLAY_BIN="$TMP/names" run "$sh_" "root=$TMP/img" "escaped names" \
                "fcreplay: root $TMP/img: refused (exit 2: *)") || exit 1
        grep -qxF 'fcreplay: root '"$TMP/img"': | refused: name a\cb\nc\x1b[2J' "$TMP/out" ||
                fail "a line with backslashes was changed ($sh_)"
        (cd "$TMP" && FCREPLAY_BIN="$TMP/noop" run "$sh_" "root=LABEL=expa*" "a glob in root=" \
                "fcreplay: root LABEL=expa\*: skipped (device not found)") || exit 1
        IFS=:
done
IFS=$IFS_

# The root holds another filesystem by the time fcreplay opens it (a
# stand-in copies one over it after the script's probe): the UUID the
# script probed is expected, so nothing is written.
unpack "$FIXTURES/demo" "$TMP/root.img"
truncate -s 16M "$TMP/other.img"
mkfs.ext4 -q -F "$TMP/other.img" > /dev/null
printf '#!/bin/sh\ncp "%s" "%s"\nexec "%s" "$@"\n' "$TMP/other.img" "$TMP/root.img" "$FCREPLAY" > "$TMP/swap"
chmod +x "$TMP/swap"
FCREPLAY_BIN="$TMP/swap" run "$s" "root=$TMP/root.img" "root changed after the probe" \
        "fcreplay: root $TMP/root.img: failed (exit 3; *)"
grep -q "not the .* that was probed; nothing written" "$TMP/out" || fail "the changed root: no reason given"
cmp -s "$TMP/root.img" "$TMP/other.img" || fail "the changed root was written"

# An external journal, found by its UUID (needs root, loop devices).
if ! have_loop; then
        echo "initramfs-root: external journal: skipped (needs root and loop devices)"
        exit 0
fi
truncate -s 32M "$TMP/fs.img"
truncate -s 8M "$TMP/j.img"
jdev=$(losetup -f --show "$TMP/j.img")
trap 'losetup -d "$jdev"; rm -rf "$TMP"' EXIT
mke2fs -q -F -O journal_dev -b 4096 "$jdev"
mkfs.ext4 -q -F -b 4096 -J device="$jdev" "$TMP/fs.img"
run "$s" "root=$TMP/fs.img" "external journal" "fcreplay: root $TMP/fs.img: clean (nothing to replay, *)"
grep -q "external journal UUID=.* on $jdev\$" "$TMP/out" || fail "the external journal is not named"

# Two devices carry the journal's UUID (issue 23, 0.2: a stick present at
# boot with a copy of it).  blkid would pick one and the script pass it as
# --journal-dev; the engine refuses the ambiguity, nothing written.  The
# root asks for recovery (its journal is empty: a replay would clear the
# flag), so a replay through either journal would write.
debugfs -w -R "feature needs_recovery" "$TMP/fs.img" > /dev/null 2>&1
needs_recovery "$TMP/fs.img" || fail "the root should ask for recovery"
cp "$TMP/j.img" "$TMP/j2.img"
jdev2=$(losetup -f --show "$TMP/j2.img")
trap 'losetup -d "$jdev"; losetup -d "$jdev2"; rm -rf "$TMP"' EXIT
before=$(sum "$TMP/fs.img") jbefore=$(sum "$TMP/j.img")
run "$s" "root=$TMP/fs.img" "two journals with one UUID" "fcreplay: root $TMP/fs.img: failed (exit 3; *)"
grep -q "2 devices carry the external journal's UUID" "$TMP/out" || fail "two journals: the engine's reason is not logged"
[ "$(sum "$TMP/fs.img")" = "$before" ] || fail "two journals: the root was written"
[ "$(sum "$TMP/j.img")" = "$jbefore" ] && [ "$(sum "$TMP/j2.img")" = "$jbefore" ] ||
        fail "two journals: a journal was written"
