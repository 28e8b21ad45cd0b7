#!/bin/sh
# Mutation test over the shipped crash images: flipped bytes, swapped
# blocks, a cut fast-commit area, a truncated image.  Each mutated image
# must replay to an e2fsck-clean filesystem or be refused unchanged.
# FCR_MUTATIONS sets the count per allocator (CI runs thousands).
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
count=${FCR_MUTATIONS:-60}
seed=${FCR_MUTATION_SEED:-$(date +%s)}
echo "mutate: $count mutations per allocator, seed $seed (FCR_MUTATION_SEED=$seed reproduces)"
for alloc in kernel goal; do
        python3 "$top_srcdir/tests/fault/mutate.py" --fcreplay "$FCREPLAY" --count "$count" \
                --seed "$seed" --allocator "$alloc" "$FIXTURES"/*/crash.img.gz ||
                fail "mutations with allocator $alloc"
done
