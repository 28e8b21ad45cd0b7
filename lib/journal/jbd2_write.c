#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcreplay/bytes.h>
#include "jbd2_csum.h"
#include "jbd2_format.h"
#include "jbd2_write.h"
#include <fcreplay/util.h>

uint32_t jbd2_next_log_block(const struct jbd2_super *s, uint32_t b) {
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

int jbd2_write_txn(struct fcr_journal *j, const struct jbd2_super *s, uint32_t tid, uint32_t start,
                   const struct jbd2_out_block *blocks, size_t n, uint32_t *ret_next, struct fcr_diag *d) {
        size_t per = tags_per_descriptor(s), bs = s->blocksize;
        bool v1 = jbd2_has_compat(s, JBD2_FEATURE_COMPAT_CHECKSUM);
        bool v3 = jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V3);
        _cleanup_free_ uint8_t *desc = malloc(bs), *data = malloc(bs);
        uint32_t b = start, crc32_sum = ~0U;
        struct timespec now;
        int r;

        if (!desc || !data)
                return -ENOMEM;
        if (!jbd2_txn_fits(s, n))
                return fcr_fail(d, -EINVAL, "a transaction of %zu blocks does not fit in the log", n);
        for (size_t i = 0; i < n; i += per) {
                size_t k = n - i < per ? n - i : per;
                uint32_t desc_block = b;
                size_t off = JBD2_HEADER_SIZE;

                memset(desc, 0, bs);
                put_header(desc, JBD2_DESCRIPTOR_BLOCK, tid);
                b = jbd2_next_log_block(s, b);
                for (size_t t = 0; t < k; t++) {
                        const struct jbd2_out_block *ob = &blocks[i + t];
                        uint32_t flags = 0, csum = 0;

                        memcpy(data, ob->data, bs);
                        if (get_be32(data) == JBD2_MAGIC) {
                                put_be32(data, 0);
                                flags |= JBD2_FLAG_ESCAPE;
                        }
                        if (t > 0)
                                flags |= JBD2_FLAG_SAME_UUID;
                        if (t + 1 == k)
                                flags |= JBD2_FLAG_LAST_TAG;
                        if (s->csum_v2v3) {
                                csum = fcr_jbd2_data_csum(s->csum_seed, tid, data, bs);
                                if (!v3)
                                        csum &= 0xFFFF;
                        }
                        put_tag(s, desc + off, ob->fs_block, flags, csum);
                        off += s->tag_bytes;
                        if (t == 0) {
                                memcpy(desc + off, s->uuid, 16);
                                off += 16;
                        }
                        r = write_block(j, b, data, d);
                        if (r < 0)
                                return r;
                        b = jbd2_next_log_block(s, b);
                }
                if (s->csum_v2v3)
                        put_be32(desc + bs - JBD2_TAIL_SIZE,
                                 fcr_crc32c_skip(s->csum_seed, desc, bs, bs - JBD2_TAIL_SIZE));
                if (v1) {
                        /* v1 sums the descriptor and then its data blocks. */
                        crc32_sum = fcr_crc32_be(crc32_sum, desc, bs);
                        for (size_t t = 0; t < k; t++) {
                                memcpy(data, blocks[i + t].data, bs);
                                if (get_be32(data) == JBD2_MAGIC)
                                        put_be32(data, 0);
                                crc32_sum = fcr_crc32_be(crc32_sum, data, bs);
                        }
                }
                r = write_block(j, desc_block, desc, d);
                if (r < 0)
                        return r;
        }
        /* Everything before the commit block must be durable first. */
        r = fcr_journal_flush(j);
        if (r < 0)
                return fcr_fail(d, r, "cannot flush the journal: %s", strerror(-r));
        memset(desc, 0, bs);
        put_header(desc, JBD2_COMMIT_BLOCK, tid);
        clock_gettime(CLOCK_REALTIME, &now);
        put_be32(desc + JBD2_COMMIT_SEC, (uint32_t) ((uint64_t) now.tv_sec >> 32));
        put_be32(desc + JBD2_COMMIT_SEC + 4, (uint32_t) now.tv_sec);
        put_be32(desc + JBD2_COMMIT_NSEC, (uint32_t) now.tv_nsec);
        if (v1) {
                desc[JBD2_COMMIT_CHKSUM_TYPE] = JBD2_CRC32_CHKSUM;
                desc[JBD2_COMMIT_CHKSUM_SIZE] = JBD2_CRC32_CHKSUM_SIZE;
                put_be32(desc + JBD2_COMMIT_CHKSUM, crc32_sum);
        } else if (s->csum_v2v3)
                put_be32(desc + JBD2_COMMIT_CHKSUM, fcr_crc32c_skip(s->csum_seed, desc, bs, JBD2_COMMIT_CHKSUM));
        r = write_block(j, b, desc, d);
        if (r == 0)
                r = fcr_journal_flush(j);
        if (r < 0)
                return r;
        *ret_next = jbd2_next_log_block(s, b);
        return 0;
}
