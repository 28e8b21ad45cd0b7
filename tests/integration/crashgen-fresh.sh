#!/bin/sh
# Fresh crash images from the project's generator, on loop devices: for
# each configuration and seed, fcreplay's result (both allocators) must be
# e2fsck-clean and, where the kernel's own replay is clean, the kernel's
# tree; where the kernel cannot replay it or its result is unclean, the
# tree before the crash (live.tree: every change in it was made durable).
# FCR_CRASHGEN_SEEDS seeds per configuration (CI runs more);
# FCR_CRASHGEN_SEED_BASE picks them: fixed by default, so that a run is
# reproducible and a red test means a change broke it; "random" explores
# new seeds (a failure found that way becomes a fixture).  Needs root and
# loop devices.
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices and mount"
have_loop || skip "no loop devices"
FCTREE="$top_builddir/tests/tools/fcr-fctree"
MAKE="$top_srcdir/tests/crashgen/make-crash-image.sh"
seeds=${FCR_CRASHGEN_SEEDS:-1}
base=${FCR_CRASHGEN_SEED_BASE:-71000}
[ "$base" = random ] && base=$(( $(date +%s) % 100000 ))
echo "crashgen-fresh: $seeds seed(s) per configuration from $base (FCR_CRASHGEN_SEED_BASE=$base reproduces)"

checked=0 unclean=0 kernel_failed=0 live=0
grep -v '^#' "$top_srcdir/tests/crashgen/configs.txt" > "$TMP/configs"
while read -r name args; do
        for i in $(seq 0 $((seeds - 1))); do
                seed=$((base + i))
                out="$TMP/$name-$seed"
                # shellcheck disable=SC2086
                rc=0
                "$MAKE" "$out" $args --seed "$seed" > "$TMP/make.log" 2>&1 || rc=$?
                if [ $rc -eq 3 ]; then
                        # The kernel cannot replay its own crash image: no
                        # reference tree, but fcreplay must still leave a
                        # clean filesystem or refuse with nothing written.
                        cp --sparse=always "$out/crash.img" "$TMP/img"
                        rc=0
                        "$FCREPLAY" replay -q "$TMP/img" 2> "$TMP/err" || rc=$?
                        case $rc in
                        0)
                                fsck_clean "$TMP/img"
                                # Every change was durable: the tree before the
                                # cut is the truth.
                                "$FCTREE" "$TMP/img" > "$TMP/got.tree" || fail "$name seed $seed: fcr-fctree"
                                diff -u "$out/live.tree" "$TMP/got.tree" >&2 ||
                                        fail "$name seed $seed: the kernel cannot replay it, and fcreplay's tree is not the one before the crash"
                                live=$((live + 1)) ;;
                        2) cmp -s "$out/crash.img" "$TMP/img" || fail "$name seed $seed: refused but changed" ;;
                        *) cat "$TMP/err" >&2; fail "$name seed $seed: replay exit $rc" ;;
                        esac
                        echo "crashgen-fresh: $name seed $seed: the kernel cannot replay it; fcreplay exit $rc, clean$([ $rc = 0 ] && echo ", the tree before the crash")"
                        kernel_failed=$((kernel_failed + 1))
                        continue
                fi
                [ $rc -eq 0 ] || { cat "$TMP/make.log" >&2; fail "$name seed $seed: making the crash image failed"; }
                kernel_clean=0
                grep -q "fsck -fn exit: 0" "$out/meta.txt" && kernel_clean=1
                for alloc in kernel goal; do
                        cp --sparse=always "$out/crash.img" "$TMP/img"
                        "$FCREPLAY" replay -q --allocator "$alloc" "$TMP/img" ||
                                fail "$name seed $seed/$alloc: replay exit $?"
                        fsck_clean "$TMP/img"
                        "$FCTREE" "$TMP/img" > "$TMP/got.tree" || fail "$name seed $seed/$alloc: fcr-fctree"
                        if ! diff -u "$out/expected.tree" "$TMP/got.tree" > "$TMP/diff"; then
                                # Where the kernel's own result is not fsck-clean it
                                # can differ from any clean one (link counts).
                                [ $kernel_clean = 1 ] && { cat "$TMP/diff" >&2; fail "$name seed $seed/$alloc: tree differs from the kernel's"; }
                                # The tree before the crash is right too.
                                if cmp -s "$out/live.tree" "$TMP/got.tree"; then
                                        live=$((live + 1))
                                        checked=$((checked + 1))
                                        continue
                                fi
                                grep '^[-+][^-+]' "$TMP/diff" | grep -v ' nlink=' | sed 's/ nlink=[0-9]*//' | sort | uniq -u | grep -q . &&
                                        { cat "$TMP/diff" >&2; fail "$name seed $seed/$alloc: tree differs beyond link counts"; }
                                unclean=$((unclean + 1))
                        fi
                        checked=$((checked + 1))
                done
                rm -rf "$out"
        done
        echo "crashgen-fresh: $name: ok"
done < "$TMP/configs"
[ $checked -gt 0 ] || fail "nothing checked"
echo "crashgen-fresh: $checked replays checked; $unclean differ from an unclean kernel result in link counts only;" \
     "$kernel_failed image(s) the kernel could not replay (fcreplay's result e2fsck-clean);" \
     "$live compared with the tree before the crash"
