/* Passes two and three of jbd2 recovery, as a plan: which journal block
 * goes to which filesystem block.  Building the plan reads and verifies
 * every block it will write; applying it is the only step that writes. */
#pragma once
#include <stdbool.h>
#include "jbd2_scan.h"

struct jbd2_write {
        uint64_t fs_block;
        uint32_t log_block;
        uint32_t tid;
        bool escape;            /* restore the magic the writer escaped */
        size_t order;           /* position in the log */
};

struct jbd2_plan {
        struct jbd2_write *writes;      /* one per filesystem block, sorted */
        size_t nr_writes, cap_writes;
        size_t nr_txns;                 /* transactions replayed */
        size_t nr_tags;                 /* tags in those transactions */
        size_t nr_revoked;              /* tags skipped because revoked */
        size_t nr_revokes;              /* revoke records in those transactions */
        /* Set by the caller after the build: changes a logged block
         * before it goes home (and into any view of the result). */
        void (*fixup)(uint64_t fs_block, uint8_t *buf, void *userdata);
        void *fixup_data;
};

int jbd2_plan_build(struct fcr_journal *j, const struct jbd2_super *s, const struct jbd2_log *log,
                    uint64_t fs_blocks, struct jbd2_plan *ret, struct fcr_diag *d);
void jbd2_plan_done(struct jbd2_plan *p);

typedef void (*fcr_progress_fn)(uint64_t done, uint64_t total, void *userdata);

/* The logged copy of w (into buf, a block) as it goes home: unescaped,
 * the fixup applied. */
int jbd2_plan_read(struct fcr_journal *j, const struct jbd2_plan *p, const struct jbd2_write *w, uint8_t *buf,
                   struct fcr_diag *d);

/* Write every planned block home.  The journal itself is not touched. */
int jbd2_plan_apply(struct fcr_journal *j, io_channel fsio, const struct jbd2_plan *p,
                    fcr_progress_fn progress, void *userdata, struct fcr_diag *d);
