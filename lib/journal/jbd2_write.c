#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcreplay/bytes.h>
#include "jbd2_csum.h"
#include "jbd2_format.h"
#include "jbd2_write.h"
#include <fcreplay/util.h>

/* The log block after b, wrapping at the end of the log area. */
static uint32_t jbd2_next_log_block(const struct jbd2_super *s, uint32_t b) {
        return b + 1 >= s->log_end ? s->first : b + 1;
}

static size_t tags_per_descriptor(const struct jbd2_super *s) {
        size_t room = s->blocksize - JBD2_HEADER_SIZE - (s->csum_v2v3 ? JBD2_TAIL_SIZE : 0) - 16;

        /* The first tag carries the 16-byte UUID; the rest say SAME_UUID. */
        return room / s->tag_bytes;
}

uint64_t jbd2_txn_size(const struct jbd2_super *s, size_t n) {
        size_t per = tags_per_descriptor(s);

        return (n + per - 1) / per + n + 1;
}

bool jbd2_txn_fits(const struct jbd2_super *s, size_t n) {
        return jbd2_txn_size(s, n) < s->log_end - s->first;
}

static void put_header(uint8_t *b, uint32_t type, uint32_t tid) {
        put_be32(b + JBD2_H_MAGIC, JBD2_MAGIC);
        put_be32(b + JBD2_H_BLOCKTYPE, type);
        put_be32(b + JBD2_H_SEQUENCE, tid);
}

static void put_tag(const struct jbd2_super *s, uint8_t *t, uint64_t blk, uint32_t flags, uint32_t csum) {
        put_be32(t, (uint32_t) blk);
        if (jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V3)) {
                put_be32(t + 4, flags);
                put_be32(t + 8, (uint32_t) (blk >> 32));
                put_be32(t + 12, csum);
                return;
        }
        t[4] = csum >> 8;
        t[5] = csum;
        t[6] = flags >> 8;
        t[7] = flags;
        if (jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_64BIT))
                put_be32(t + 8, (uint32_t) (blk >> 32));
}

static int write_block(struct fcr_journal *j, uint32_t b, const uint8_t *buf, struct fcr_diag *d) {
        int r = fcr_journal_write(j, b, buf);

        return r < 0 ? fcr_fail(d, r, "cannot write journal block %u: %s", b, strerror(-r)) : 0;
}

/* A block as the log holds it: one that starts with the jbd2 magic has
 * it zeroed (the tag says ESCAPE). */
static bool escape(uint8_t *dst, const uint8_t *src, size_t bs) {
        memcpy(dst, src, bs);
        if (get_be32(dst) != JBD2_MAGIC)
                return false;
        put_be32(dst, 0);
        return true;
}

struct txn_writer {
        struct fcr_journal *j;
        const struct jbd2_super *s;
        uint32_t tid;
        uint32_t b;                     /* the next log block to write */
        uint32_t crc32_sum;             /* checksum v1: over every block so far */
        uint8_t *desc, *data;           /* one block each */
};

static uint32_t tag_csum(const struct txn_writer *w) {
        uint32_t csum;

        if (!w->s->csum_v2v3)
                return 0;
        csum = fcr_jbd2_data_csum(w->s->csum_seed, w->tid, w->data, w->s->blocksize);
        return jbd2_has_incompat(w->s, JBD2_FEATURE_INCOMPAT_CSUM_V3) ? csum : csum & 0xFFFF;
}

/* One descriptor block, written after the k data blocks it describes. */
static int write_group(struct txn_writer *w, const struct jbd2_out_block *blocks, size_t k, struct fcr_diag *d) {
        size_t bs = w->s->blocksize, off = JBD2_HEADER_SIZE;
        uint32_t desc_block = w->b;
        int r;

        memset(w->desc, 0, bs);
        put_header(w->desc, JBD2_DESCRIPTOR_BLOCK, w->tid);
        w->b = jbd2_next_log_block(w->s, w->b);
        for (size_t t = 0; t < k; t++) {
                uint32_t flags = escape(w->data, blocks[t].data, bs) ? JBD2_FLAG_ESCAPE : 0;

                /* The first tag carries the UUID; the rest say SAME_UUID. */
                flags |= (t > 0 ? JBD2_FLAG_SAME_UUID : 0) | (t + 1 == k ? JBD2_FLAG_LAST_TAG : 0);
                put_tag(w->s, w->desc + off, blocks[t].fs_block, flags, tag_csum(w));
                off += w->s->tag_bytes;
                if (t == 0) {
                        memcpy(w->desc + off, w->s->uuid, 16);
                        off += 16;
                }
                r = write_block(w->j, w->b, w->data, d);
                if (r < 0)
                        return r;
                w->b = jbd2_next_log_block(w->s, w->b);
        }
        if (w->s->csum_v2v3)
                put_be32(w->desc + bs - JBD2_TAIL_SIZE,
                         fcr_crc32c_skip(w->s->csum_seed, w->desc, bs, bs - JBD2_TAIL_SIZE));
        if (jbd2_has_compat(w->s, JBD2_FEATURE_COMPAT_CHECKSUM)) {
                /* v1 sums the descriptor and then its data blocks. */
                w->crc32_sum = fcr_crc32_be(w->crc32_sum, w->desc, bs);
                for (size_t t = 0; t < k; t++) {
                        escape(w->data, blocks[t].data, bs);
                        w->crc32_sum = fcr_crc32_be(w->crc32_sum, w->data, bs);
                }
        }
        return write_block(w->j, desc_block, w->desc, d);
}

static int write_commit(struct txn_writer *w, struct fcr_diag *d) {
        size_t bs = w->s->blocksize;
        struct timespec now;
        uint8_t *c = w->desc;

        memset(c, 0, bs);
        put_header(c, JBD2_COMMIT_BLOCK, w->tid);
        clock_gettime(CLOCK_REALTIME, &now);
        put_be32(c + JBD2_COMMIT_SEC, (uint32_t) ((uint64_t) now.tv_sec >> 32));
        put_be32(c + JBD2_COMMIT_SEC + 4, (uint32_t) now.tv_sec);
        put_be32(c + JBD2_COMMIT_NSEC, (uint32_t) now.tv_nsec);
        if (jbd2_has_compat(w->s, JBD2_FEATURE_COMPAT_CHECKSUM)) {
                c[JBD2_COMMIT_CHKSUM_TYPE] = JBD2_CRC32_CHKSUM;
                c[JBD2_COMMIT_CHKSUM_SIZE] = JBD2_CRC32_CHKSUM_SIZE;
                put_be32(c + JBD2_COMMIT_CHKSUM, w->crc32_sum);
        } else if (w->s->csum_v2v3)
                put_be32(c + JBD2_COMMIT_CHKSUM, fcr_crc32c_skip(w->s->csum_seed, c, bs, JBD2_COMMIT_CHKSUM));
        return write_block(w->j, w->b, c, d);
}

int jbd2_write_txn(struct fcr_journal *j, const struct jbd2_super *s, uint32_t tid, uint32_t start,
                   const struct jbd2_out_block *blocks, size_t n, uint32_t *ret_next, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *desc = malloc(s->blocksize), *data = malloc(s->blocksize);
        struct txn_writer w = { .j = j, .s = s, .tid = tid, .b = start, .crc32_sum = ~0U, .desc = desc, .data = data };
        size_t per = tags_per_descriptor(s);
        int r;

        if (!desc || !data)
                return -ENOMEM;
        if (!jbd2_txn_fits(s, n))
                return fcr_fail(d, -EINVAL, "a transaction of %zu blocks does not fit in the log", n);
        for (size_t i = 0; i < n; i += per) {
                r = write_group(&w, blocks + i, n - i < per ? n - i : per, d);
                if (r < 0)
                        return r;
        }
        /* Everything before the commit block must be durable first. */
        r = fcr_journal_flush(j);
        if (r < 0)
                return fcr_fail(d, r, "cannot flush the journal: %s", strerror(-r));
        r = write_commit(&w, d);
        if (r == 0)
                r = fcr_journal_flush(j);
        if (r < 0)
                return r;
        *ret_next = jbd2_next_log_block(s, w.b);
        return 0;
}
