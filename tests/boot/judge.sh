#!/bin/sh
# The boot test's judgements and its KVM fallback, without a guest
# (boot-test.py --self-test): part of make check.
command -v python3 > /dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
exec python3 "$top_srcdir/tests/boot/boot-test.py" --self-test
