/* Fuzz inputs as journals: the bytes go to a memory file opened through
 * libext2fs's unix I/O manager, so the engine reads them exactly as it
 * reads a device. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "io/journal_io.h"

/* A journal of nblocks blocks of bs bytes, zero but for the given pieces
 * (a piece with len 0 is skipped).  NULL when it cannot be staged. */
struct fuzz_piece {
        uint64_t offset;
        const void *data;
        size_t len;
};
struct fcr_journal *fuzz_journal_new(uint32_t bs, uint64_t nblocks, const struct fuzz_piece *pieces, size_t n);
void fuzz_journal_free(struct fcr_journal *j);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
