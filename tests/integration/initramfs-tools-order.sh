#!/bin/sh
# The initramfs-tools boot script runs after scripts/local-premount/resume:
# on a resume from hibernation the hibernated kernel still has the root
# mounted, so a replay before the resume would write under it.  The host's
# mkinitramfs builds an image (no kernel modules) with the staged boot
# script in a copy of /etc/initramfs-tools, and the image's
# scripts/local-premount/ORDER, the order its init runs them in, must list
# resume before fcreplay.  mkinitramfs needs /boot/config-VERSION and
# /lib/modules/VERSION: stand-ins are overlaid in a private mount
# namespace, so nothing is written outside $TMP.
. "$top_srcdir/tests/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (mount namespaces)"
command -v mkinitramfs > /dev/null || skip "initramfs-tools is not installed (no mkinitramfs)"
resume=/usr/share/initramfs-tools/scripts/local-premount/resume
[ -x "$resume" ] || skip "$resume is not installed: nothing to order after"
for c in unshare cpio; do
        command -v $c > /dev/null || skip "no $c"
done
unshare -m --propagation private true 2> /dev/null || skip "no mount namespaces here (unshare -m)"

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" --quiet install DESTDIR="$TMP/stage" \
        > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log" >&2; fail "make install DESTDIR=$TMP/stage"; }
script=$(find "$TMP/stage" -path '*/scripts/local-premount/fcreplay' -type f | head -n 1)
[ -n "$script" ] || skip "the initramfs-tools files are not installed (configure --with-initramfstoolsdir=no)"
[ -x "$script" ] || fail "${script#"$TMP/stage"} is not executable"

conf=$TMP/conf
cp -a /etc/initramfs-tools "$conf" 2> /dev/null || mkdir -p "$conf"
mkdir -p "$conf/scripts/local-premount"
# No modules, a compressor every kernel takes: a few seconds.
printf 'MODULES=list\nBUSYBOX=auto\nCOMPRESS=gzip\n' > "$conf/initramfs.conf"
cp "$script" "$conf/scripts/local-premount/fcreplay"

v=0.0.0-fcreplay-test
mkdir -p "$TMP/fake/boot" "$TMP/fake/lib/modules/$v" "$TMP/mkinitramfs-tmp"
echo CONFIG_RD_GZIP=y > "$TMP/fake/boot/config-$v"
: > "$TMP/fake/lib/modules/$v/modules.dep"
libdir=$(cd /lib && pwd -P)
# shellcheck disable=SC2016
unshare -m --propagation private sh -euc '
        tmp=$1 v=$2 libdir=$3
        mount -t overlay -o "lowerdir=$tmp/fake/boot:/boot" fcreplay-test /boot
        mount -t overlay -o "lowerdir=$tmp/fake/lib:$libdir" fcreplay-test "$libdir"
        TMPDIR=$tmp/mkinitramfs-tmp mkinitramfs -d "$tmp/conf" -o "$tmp/initrd.img" "$v"
' sh "$TMP" "$v" "$libdir" > "$TMP/mkinitramfs.log" 2>&1 ||
        { cat "$TMP/mkinitramfs.log" >&2; fail "mkinitramfs failed (is overlayfs available?)"; }

mkdir "$TMP/root"
(cd "$TMP/root" && gzip -dc | cpio -idm --quiet) < "$TMP/initrd.img" || fail "cannot unpack the image"
order=$TMP/root/scripts/local-premount/ORDER
[ -f "$order" ] || fail "no scripts/local-premount/ORDER in the image"
sed 's/^/    /' "$order"
scripts=$(sed -n 's|^/scripts/local-premount/\([^ ]*\) .*|\1|p' "$order" | tr '\n' ' ')
pos() { printf '%s\n' $scripts | grep -nx "$1" | cut -d: -f1; }
r=$(pos resume) f=$(pos fcreplay)
[ -n "$f" ] || fail "fcreplay is not in the image's local-premount ORDER ('$scripts')"
[ -n "$r" ] || fail "resume is not in the image's local-premount ORDER ('$scripts')"
[ "$r" -lt "$f" ] || fail "the image runs local-premount scripts in the order '$scripts': fcreplay before resume"
echo "initramfs-tools-order: local-premount ORDER: $scripts(fcreplay after resume)"
