/* Scan and validate the fast-commit area, as current kernels do, without
 * writing anything.  Only tags up to the last TAIL whose tid and CRC match
 * count as committed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fcreplay/diag.h>
#include "journal/jbd2_super.h"
#include "io/journal_io.h"

struct fc_tag {
        uint16_t tag;
        uint16_t len;
        uint32_t block;         /* fast-commit block index, 0 = first */
        uint32_t offset;        /* tag header offset within that block */
        const uint8_t *value;   /* len bytes, inside fc_log.area */
};

enum fc_end {
        FC_END_NONE,            /* no fast-commit area */
        FC_END_EMPTY,           /* first tag is not HEAD: nothing logged */
        FC_END_STALE,           /* HEAD of another tid: left from before */
        FC_END_AREA,            /* ran to the end of the area */
        FC_END_BAD_LENGTH,      /* a tag whose length is impossible */
        FC_END_UNKNOWN_TAG,
        FC_END_UNSUPPORTED,     /* HEAD with feature bits we do not know */
        FC_END_TAIL_MISMATCH,   /* TAIL of another tid or with a bad CRC */
        FC_END_READ_ERROR,
        FC_END_NO_PLUGIN,       /* a kernel tag no loaded plugin handles */
};

struct fc_log {
        uint8_t *area;          /* the area's blocks as read */
        size_t area_blocks;
        struct fc_tag *tags;    /* every tag walked, valid or not */
        size_t nr_tags, cap_tags;
        size_t nr_valid;        /* tags[0..nr_valid) end with a good TAIL */
        size_t nr_commits;      /* good TAILs */
        uint32_t expected_tid;
        bool has_head;
        uint32_t head_tid, head_features;
        enum fc_end end_reason;
        uint32_t end_block, end_offset;
        int read_err;           /* FC_END_READ_ERROR: the errno, at area block area_blocks */
};

/* Decides whether a tag's value is well-formed (the tag plugins do:
 * fcr_plugins_validate).  head_features: the log's HEAD.  Returns 1
 * valid, 0 invalid, -ENOENT when nothing can judge this tag. */
typedef int (*fc_validate_fn)(void *userdata, uint32_t head_features, uint16_t tag, const uint8_t *value,
                              uint16_t len);

/* expected_tid: the tid after the last full transaction of the log.
 * features: the HEAD feature bits that can be replayed (a HEAD with any
 * other is unsupported).  The scan owns the framing (HEAD, TAIL, the
 * kernel's tag numbers); validate judges every value, and a tag number
 * the kernel does not define ends the log unless validate knows it.
 * validate NULL: framing only (tests, fuzzing). */
int fc_scan(struct fcr_journal *j, const struct jbd2_super *s, uint32_t expected_tid, uint32_t features,
            fc_validate_fn validate, void *userdata, struct fc_log *ret, struct fcr_diag *d);
void fc_log_done(struct fc_log *l);

const char *fc_tag_name(uint16_t tag);
const char *fc_end_reason_str(enum fc_end e);
