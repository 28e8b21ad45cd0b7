/* The jbd2 journal superblock: parsing, validation and the end-of-replay
 * update. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <fcreplay/diag.h>

struct jbd2_super {
        uint32_t blocktype;             /* 3 = v1, 4 = v2 */
        uint32_t blocksize;
        uint32_t maxlen;                /* journal length in blocks */
        uint32_t first;                 /* first log block */
        uint32_t sequence;              /* first tid expected in the log */
        uint32_t start;                 /* first log block; 0 = clean */
        int32_t  errnum;                /* s_errno: an error the fs recorded */
        uint32_t compat, incompat, ro_compat;
        uint8_t  uuid[16];
        uint32_t nr_users;
        uint8_t  checksum_type;
        uint32_t num_fc_blks;           /* as stored (0 means the default) */
        uint32_t checksum;

        /* Derived from the above. */
        uint32_t log_end;               /* one past the last log block (j_last) */
        uint32_t fc_first, fc_end;      /* fast-commit area [fc_first, fc_end) */
        uint32_t csum_seed;
        unsigned tag_bytes;             /* size of a descriptor tag */
        bool csum_v2v3;
};

static inline bool jbd2_has_incompat(const struct jbd2_super *s, uint32_t f) {
        return s->blocktype == 4 && (s->incompat & f);
}
static inline bool jbd2_has_compat(const struct jbd2_super *s, uint32_t f) {
        return s->blocktype == 4 && (s->compat & f);
}

/* Parse and validate a journal superblock (the first JSB_SIZE bytes of
 * buf).  fs_blocksize is the block size the journal must use; nblocks is
 * how many blocks the journal inode or device really holds.  Fails with
 * -EUCLEAN (corrupt), -EBADMSG (checksum) or -EOPNOTSUPP (unknown
 * features), the reason in d. */
int jbd2_super_parse(const uint8_t *buf, uint32_t fs_blocksize, uint64_t nblocks,
                     struct jbd2_super *ret, struct fcr_diag *d);

/* An external journal's users: the filesystems that use it, by UUID (v2
 * superblocks only; mke2fs and tune2fs record them).  The kernel mounts
 * only with exactly one user.  Whether uuid is that one user; else
 * ret_nr says how many users there are, and ret_first the first (NULL:
 * none, or a v1 superblock, which has no list). */
bool jbd2_super_owned_by(const uint8_t *buf, const uint8_t uuid[16], uint32_t *ret_nr, const uint8_t **ret_first);

/* Mark the journal empty after a replay, as the kernel does: s_start 0,
 * s_sequence next_tid, s_errno cleared; recompute the checksum. */
void jbd2_super_mark_empty(uint8_t *buf, const struct jbd2_super *s, uint32_t next_tid);

/* Restart the log at block start, expecting transaction tid (the
 * fast-commit result is about to be logged there); recompute the
 * checksum. */
void jbd2_super_restart(uint8_t *buf, const struct jbd2_super *s, uint32_t start, uint32_t tid);

/* Names of the set feature bits, space separated, into out. */
void jbd2_feature_names(const struct jbd2_super *s, char *out, size_t len);
