/* Writing one jbd2 transaction into the log.  The engine uses it to make
 * a fast-commit replay atomic: the replay's result becomes an ordinary
 * transaction that any jbd2 recovery (ours or the kernel's) replays. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "jbd2_super.h"
#include "io/journal_io.h"

struct jbd2_out_block {
        uint64_t fs_block;
        const uint8_t *data;
};

/* Log blocks a transaction of n blocks takes: descriptors, data, commit. */
uint64_t jbd2_txn_size(const struct jbd2_super *s, size_t n);

/* Whether a transaction of n blocks fits in the log, which it must not
 * fill: the engine checks this when planning, before anything is written. */
bool jbd2_txn_fits(const struct jbd2_super *s, size_t n);

/* Write descriptors and data from log block start, flush, then the commit
 * block, flush.  Returns the log block after the commit in *ret_next.  A
 * transaction that does not fit (jbd2_txn_fits) is -EINVAL: the caller
 * should have checked it before writing anything. */
int jbd2_write_txn(struct fcr_journal *j, const struct jbd2_super *s, uint32_t tid, uint32_t start,
                   const struct jbd2_out_block *blocks, size_t n, uint32_t *ret_next, struct fcr_diag *d);
