#!/bin/sh
# The boot test (tests/boot/boot-test.py) as an automake test: make check-boot.
# FCR_BOOT_SUITE picks the guest's Debian release (boot-test.py --suite).
command -v python3 > /dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
exec python3 "$top_srcdir/tests/boot/boot-test.py" ${FCR_BOOT_SUITE:+--suite "$FCR_BOOT_SUITE"} "$@"
