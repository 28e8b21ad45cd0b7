/* fcr-craft: writers for crafted journals, independent of the engine (its
 * own jbd2 and fast-commit encoders over libext2fs), so that a bug in the
 * engine's writer cannot hide one in its reader. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct craft {
        ext2_filsys fs;
        unsigned bs;
        uint8_t *jsb;                   /* the journal superblock block */
        blk64_t *jmap;                  /* journal block -> filesystem block */
        uint32_t maxlen, first, log_end, fc_first, fc_end;
        uint32_t tid;                   /* the sequence the log starts at */
        uint64_t commit_sec;            /* increases with every commit */
        bool csum;                      /* checksum v2/v3 (v3 written) */
        bool is64;
        unsigned tag_bytes;
        uint32_t seed;
};

/* Open IMAGE read-write and map its internal journal. */
int craft_open(const char *path, struct craft *c);
/* Set s_start to the first log block, s_sequence to c->tid, the fast
 * commit area to nfc blocks (0: none), set needs_recovery, and close. */
int craft_finish(struct craft *c, uint32_t nfc);

int craft_jwrite(struct craft *c, uint32_t jblk, const void *buf);
int craft_jread(struct craft *c, uint32_t jblk, void *buf);
/* The fast-commit area as craft_finish(nfc) leaves it. */
void craft_fc_area(const struct craft *c, uint32_t nfc, uint32_t *ret_first, uint32_t *ret_end);

/* jbd2: each writes at *pos and advances it; false when the log is full. */
bool craft_descriptor(struct craft *c, uint32_t *pos, uint32_t tid, const blk64_t *homes,
                      const uint8_t *const *data, size_t n);
bool craft_revoke(struct craft *c, uint32_t *pos, uint32_t tid, const uint64_t *blocks, size_t n);
bool craft_commit(struct craft *c, uint32_t *pos, uint32_t tid);
/* How many tags fit in one descriptor, records in one revoke block. */
size_t craft_tags_per_descriptor(const struct craft *c);
size_t craft_records_per_revoke(const struct craft *c);

/* Fast commits: tags into the area, block by block. */
struct fc_writer {
        struct craft *c;
        uint32_t area_first, area_end;  /* journal blocks */
        uint32_t blk;                   /* the area block being filled */
        uint32_t off;
        uint32_t crc;                   /* since the last TAIL */
        uint8_t *buf;
        bool full;
};

int fcw_init(struct fc_writer *w, struct craft *c, uint32_t area_first, uint32_t area_end);
/* Append one tag; false when the area is full. */
bool fcw_tag(struct fc_writer *w, uint16_t tag, const void *val, uint16_t len);
/* A TAIL that pads its block; false when the area is full. */
bool fcw_tail(struct fc_writer *w);
/* PAD tags of zero length to the end of the area (none of them committed). */
void fcw_pad_to_end(struct fc_writer *w);
/* Write the block being filled. */
int fcw_flush(struct fc_writer *w);
void fcw_done(struct fc_writer *w);

/* Free blocks of the filesystem, from its end down. */
size_t craft_free_blocks(struct craft *c, blk64_t *out, size_t n);
