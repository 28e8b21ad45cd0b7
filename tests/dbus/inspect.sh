#!/bin/sh
# Inspect under hostile callers: it is root only (the journal holds file
# names and data), an unprivileged caller learns nothing about the path it
# named, and a FIFO (or anything that is not a block device or a regular
# file) is refused without the daemon's main loop ever blocking on it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/dbus/lib.sh"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
chmod 755 "$TMP"
mkdir -m 700 "$TMP/private"
unpack "$FIXTURES/demo" "$TMP/private/secret.img"
chmod 600 "$TMP/private/secret.img"
mkfifo "$TMP/fifo"
dirty late
start_bus
start_daemon "include = LABEL=$LABEL_PREFIX-late"
wait_for "$TMP/notify.log" "READY=1" 20
wait_owned 5

# 1. nobody: refused before the path is looked at; the same answer for a
# secret image, a loop device, a path that does not exist and a FIFO.
# A loop device on the secret image, brw------- (root only, as a disk).
sdev=$(losetup -f --show -r "$TMP/private/secret.img")
smode=$(stat -c %a "$sdev")
chmod 600 "$sdev"
[ "$(stat -c %A "$sdev")" = "brw-------" ] || fail "$sdev is not brw-------"
nobody test -r "$sdev" && fail "nobody can read $sdev"
nobody test -r "$TMP/private/secret.img" && fail "nobody can read the secret image"
for p in "$TMP/private/secret.img" "$sdev" /dev/loop-control /no/such/path "$TMP/fifo"; do
        rc=0
        nobody "$CTL" inspect "$p" > "$TMP/out" 2> "$TMP/err" || rc=$?
        [ $rc -eq 3 ] || fail "nobody: inspect $p: exit $rc: $(cat "$TMP/out" "$TMP/err")"
        grep -q "only root" "$TMP/err" || fail "nobody: inspect $p: $(cat "$TMP/err")"
        ! grep -qi "exist\|directory\|fifo\|block\|ext4\|journal" "$TMP/err" "$TMP/out" ||
                fail "nobody: inspect $p tells something about the path: $(cat "$TMP/err")"
        sed "s|$p|PATH|" "$TMP/err" > "$TMP/err.$(echo "$p" | tr / _)"
done
[ "$(sort -u "$TMP"/err._* | wc -l)" -eq 1 ] || { cat "$TMP"/err._*; fail "nobody gets different answers for different paths"; }
chmod "$smode" "$sdev"
losetup -d "$sdev"
echo "inspect: nobody is refused, with one answer for every path (a 0600 image in a 0700 directory, a brw------- loop device)"

# 2. root: a FIFO is refused at once, and the daemon goes on serving.
rc=0
timeout 5 "$CTL" inspect "$TMP/fifo" 2> "$TMP/err" || rc=$?
[ $rc -eq 3 ] && grep -q "is a FIFO, not a block device or a regular file" "$TMP/err" ||
        fail "root: inspect of a FIFO: exit $rc: $(cat "$TMP/err")"
timeout 5 "$CTL" status > /dev/null || fail "fcreplayctl status after the FIFO: exit $?"
# A dirty device attached now is still handled.
dev=$(losetup -f --show "$TMP/late.img")
wait_for "$TMP/daemon.log" "$dev: replayed" 20
echo "inspect: a FIFO is refused; the daemon still serves and replays"

# 3. root: a real image is decoded, as JSON with --json.
"$CTL" --json inspect "$TMP/private/secret.img" > "$TMP/out" || fail "root: inspect --json of an image: exit $?"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["journal"]["superblock"]' "$TMP/out" ||
        fail "root: inspect --json did not give the decoded journal: $(head -c 300 "$TMP/out")"
# Without --json, the text that fcreplay inspect prints, line for line.
"$CTL" inspect "$TMP/private/secret.img" > "$TMP/out.txt" || fail "root: inspect of an image: exit $?"
"$FCREPLAY" inspect "$TMP/private/secret.img" > "$TMP/want.txt" || fail "fcreplay inspect: exit $?"
grep -q "^Fast-commit area: .* 45 committed tags" "$TMP/want.txt" || fail "fcreplay inspect: $(head -5 "$TMP/want.txt")"
diff -u "$TMP/want.txt" "$TMP/out.txt" >&2 || fail "fcreplayctl inspect is not fcreplay inspect's text"
stop_daemon
echo "inspect: root decodes an image, as JSON and as fcreplay's text"
