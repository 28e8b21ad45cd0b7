/* Scan and validate the fast-commit area, as current kernels do, without
 * writing anything.  Only tags up to the last TAIL whose tid and CRC match
 * count as committed.  The scan owns the framing (HEAD, TAIL, PAD): what
 * it keeps for the replay are the committed tags that change the
 * filesystem, and the area only through the last commit, so that what it
 * holds follows the committed log, whatever the area holds after it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fcreplay/diag.h>
#include <fcreplay/plugin.h>
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

/* Blocks kept after the last commit (the first ones after the area's
 * start when there is none): what inspect shows of the tags that did not
 * commit. */
#define FC_KEEP_AFTER 4

struct fc_log {
        uint8_t *area;          /* the area's blocks [0, area_blocks) as read */
        size_t area_blocks;
        uint32_t blocksize;
        struct fc_tag *tags;    /* the committed tags that change the
                                 * filesystem, in log order: no framing */
        size_t nr_tags, cap_tags;
        size_t nr_commits;      /* good TAILs */
        size_t nr_committed;    /* tags through the last good TAIL, framing included */
        size_t nr_walked;       /* tags walked (all valid), framing included */
        uint32_t expected_tid;
        bool has_head;
        uint32_t head_tid, head_features;
        enum fc_end end_reason;
        uint32_t end_block, end_offset;
        uint16_t end_tag;       /* the tag number where the scan stopped */
        int read_err;           /* FC_END_READ_ERROR: the errno, at area block end_block */
};

/* Decides whether a tag's value is well-formed (the tag plugins do:
 * fcr_plugins_validate).  head_features: the log's HEAD.  Returns 1
 * valid, 0 invalid, -ENOENT when nothing can judge this tag. */
typedef int (*fc_validate_fn)(void *userdata, uint32_t head_features, uint16_t tag, const uint8_t *value,
                              uint16_t len);

/* expected_tid: the tid after the last full transaction of the log.
 * features: the HEAD feature bits that can be replayed (a HEAD with any
 * other is unsupported).  The scan judges the framing and the kernel's tag
 * numbers; validate judges every other tag's value, and a tag number the
 * kernel does not define ends the log unless validate knows it.  validate
 * NULL: framing only (tests, fuzzing).  The area is read twice (once to
 * find the last commit, once to keep what it holds); an area that
 * changes in between is -EIO. */
int fc_scan(struct fcr_journal *j, const struct jbd2_super *s, uint32_t expected_tid, uint32_t features,
            fc_validate_fn validate, void *userdata, struct fc_log *ret, struct fcr_diag *d);
void fc_log_done(struct fc_log *l);

/* Every tag the scan walked in the kept blocks, framing included, in
 * order; fn returns < 0 to stop.  Returns how many walked tags lie past
 * the kept blocks (none are visited). */
typedef int (*fc_tag_fn)(const struct fc_tag *t, bool committed, void *userdata);
size_t fc_log_foreach(const struct fc_log *l, fc_tag_fn fn, void *userdata);

/* A framing tag described (inspect, dry runs): -ENOENT for any other. */
int fc_framing_describe(uint16_t tag, const uint8_t *value, uint16_t len, struct fcr_tag_describer *w);

const char *fc_tag_name(uint16_t tag);
const char *fc_end_reason_str(enum fc_end e);
