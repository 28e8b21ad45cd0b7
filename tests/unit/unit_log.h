/* A journal to write transactions into with jbd2_write_txn: the tests of
 * the writer (read back with the scanner) and of the plan build on it. */
#pragma once
#include <fcreplay/diag.h>
#include "journal/jbd2_scan.h"
#include "journal/jbd2_super.h"
#include "journal/jbd2_write.h"
#include "unit.h"

#define LOG_BS 1024

struct unit_log {
        struct test_journal t;
        struct jbd2_super s;
        struct jbd2_log log;
        struct fcr_diag d;
        uint8_t data[256][LOG_BS];      /* what the blocks hold, as passed */
        struct jbd2_out_block out[256];
};

#define LOG_MAXLEN 1024         /* the smallest journal there is */

/* An empty journal whose log area is [first, LOG_MAXLEN) (a late first
 * makes a small log), starting at start with sequence tid. */
void ul_init(struct unit_log *l, uint32_t first, uint32_t compat, uint32_t incompat, uint32_t tid, uint32_t start);
void ul_done(struct unit_log *l);
/* Fill out[0..n) with fs blocks first.. (step apart) holding a pattern
 * of seed; magic_at >= 0: that block begins with the jbd2 magic. */
void ul_blocks(struct unit_log *l, size_t n, uint64_t first, uint64_t step, unsigned seed, int magic_at);
/* The log block read back from the file. */
void ul_read(struct unit_log *l, uint32_t b, uint8_t *buf);
/* Walk the log with the scanner (into l->log). */
int ul_scan(struct unit_log *l);
