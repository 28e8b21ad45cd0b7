#!/bin/sh
# The README's two commands, on a fresh Debian machine:
#   scripts/quickstart.sh demo   install build dependencies, build, and replay
#                                the sample crash image shipped in the repository
#   scripts/quickstart.sh test   install, build, and run the whole test suite:
#                                make check, then the boot test (make check-boot)
set -eu
cd "$(dirname "$0")/.."

DEBS="build-essential autoconf automake libtool pkg-config make gzip e2fsprogs util-linux \
      libext2fs-dev comerr-dev libblkid-dev libudev-dev libmount-dev libsystemd-dev libjson-c-dev libelf-dev check python3 dbus"

as_root() {
        if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The whole suite: the boot test (make check-boot) builds the Debian
# package and boots a Debian guest under qemu; make check builds a dracut
# initrd with the module (tests/integration/dracut-module.sh).  dracut-core,
# not dracut: dracut conflicts with initramfs-tools, dracut-core does not.
BOOT_DEBS="qemu-system-x86 qemu-utils mmdebstrap debhelper dpkg-dev lintian dracut-core"

install_deps() {
        missing=""
        for p in $DEBS ${1:-}; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
        done
        if [ -n "$missing" ]; then
                echo "quickstart: installing$missing"
                as_root apt-get update -qq
                as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
        fi
}

build() {
        [ -x configure ] || ./autogen.sh
        [ -f Makefile ] || ./configure --quiet
        make -j"$(nproc)" --quiet
}

# The programs find their plugins in the build tree, not in a prefix
# nothing was installed to.
export FCREPLAY_PLUGIN_DIR="$PWD/plugins"

demo() {
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        gzip -dc tests/fixtures/demo/crash.img.gz > "$tmp/crash.img"
        echo "quickstart: replaying tests/fixtures/demo/crash.img.gz (a copy in $tmp)"
        ./fcreplay replay "$tmp/crash.img"
        echo "quickstart: checking the result with e2fsck -fn"
        if e2fsck -fn "$tmp/crash.img"; then
                echo "quickstart: the replayed filesystem is clean"
        else
                echo "quickstart: e2fsck found problems in the replayed filesystem" >&2
                exit 1
        fi
}

case "${1:-}" in
demo) install_deps; build; demo ;;
test) install_deps "$BOOT_DEBS"; build; make check; make check-boot ;;
*) echo "usage: $0 demo|test" >&2; exit 64 ;;
esac
