/* Pass one of jbd2 recovery: walk the log from s_start, transaction by
 * transaction, and record what it holds.  Nothing is written; the result
 * feeds both `inspect` and the replay plan. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fcreplay/bytes.h>
#include <fcreplay/diag.h>
#include "jbd2_super.h"
#include "io/journal_io.h"

struct jbd2_tag_rec {
        uint64_t fs_block;      /* home of the block */
        uint32_t log_block;     /* where its copy sits in the journal */
        uint32_t tid;
        uint32_t flags;         /* JBD2_FLAG_* */
        uint32_t csum;          /* as stored (16 bits with csum v2) */
};

/* A revoke block, not its records: they are read again where they are
 * needed (jbd2_revoke_records), so that what the scan keeps grows with
 * the log's blocks, never with the thousand records a block holds. */
struct jbd2_revoke_blk {
        uint32_t log_block;
        uint32_t tid;
        uint32_t nr_records;
};

struct jbd2_txn {
        uint32_t tid;
        uint32_t first_block;   /* log block of its first block */
        uint32_t nr_log_blocks; /* descriptor, data, revoke and commit blocks */
        size_t first_tag, nr_tags;
        size_t first_revoke_blk, nr_revoke_blks;   /* into jbd2_log.revoke_blks */
        size_t nr_revokes;      /* records in those blocks */
        uint32_t nr_descriptors;
        bool committed;         /* a commit block with a good checksum */
        bool wraps;             /* crosses the end of the log area */
        bool bad_revoke;        /* a revoke block with an impossible count */
        uint64_t commit_sec;
        uint32_t commit_nsec;
};

enum jbd2_end {
        JBD2_END_CLEAN,         /* s_start is 0: nothing logged */
        JBD2_END_NO_MAGIC,      /* a block without the jbd2 magic */
        JBD2_END_SEQUENCE,      /* a block of another transaction */
        JBD2_END_UNKNOWN_TYPE,  /* a block type the log does not use */
        JBD2_END_COMMIT_CSUM,   /* a commit whose checksum fails ends the log */
        JBD2_END_STALE,         /* older blocks left over from a previous pass */
};

struct jbd2_log {
        struct jbd2_txn *txns;
        size_t nr_txns, cap_txns;
        struct jbd2_tag_rec *tags;
        size_t nr_tags, cap_tags;
        struct jbd2_revoke_blk *revoke_blks;
        size_t nr_revoke_blks, cap_revoke_blks;
        size_t nr_revokes;      /* records, every transaction's */
        uint32_t start_tid;     /* replay covers [start_tid, end_tid) */
        uint32_t end_tid;
        uint32_t end_block;     /* log block where the walk stopped */
        uint32_t next_block;    /* log block after the last commit (s_start if none) */
        enum jbd2_end end_reason;
        bool commit_corrupt;    /* JBD2_END_COMMIT_CSUM without async commit:
                                 * the kernel refuses the journal, so do we */
        bool continues;         /* checksummed transactions follow the end:
                                 * the log was damaged, not ended */
        uint32_t cont_tid, cont_block;
};

int jbd2_scan(struct fcr_journal *j, const struct jbd2_super *s, struct jbd2_log *ret,
              struct fcr_diag *d);
void jbd2_log_done(struct jbd2_log *l);

static inline bool jbd2_txn_in_replay(const struct jbd2_log *l, const struct jbd2_txn *t) {
        return t->committed && tid_geq(t->tid, l->start_tid) && tid_gt(l->end_tid, t->tid);
}

const char *jbd2_end_reason_str(enum jbd2_end e);

/* Read revoke block b again (into buf, a journal block) and call fn for
 * each of its records, in order; fn returns < 0 to stop.  A block that no
 * longer holds what the scan found is -EIO: the journal changed under
 * the replay. */
typedef int (*jbd2_revoke_fn)(uint64_t fs_block, uint32_t tid, void *userdata);
int jbd2_revoke_records(struct fcr_journal *j, const struct jbd2_super *s, const struct jbd2_revoke_blk *b,
                        uint8_t *buf, jbd2_revoke_fn fn, void *userdata, struct fcr_diag *d);
