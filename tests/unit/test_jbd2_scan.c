/* lib/jbd2_scan.c: the SCAN pass over synthetic journals written to a
 * temporary file: descriptor + data + commit, 32/64-bit tags, csum v1, v2
 * and v3, escaped and deleted blocks, revoke records, a wrap at the end of
 * the log area (before the fast-commit area), and each way a log ends. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "journal/jbd2_scan.h"
#include "journal/jbd2_super.h"
#include "unit.h"

#define BS 1024
#define V2 JBD2_FEATURE_INCOMPAT_CSUM_V2
#define V3 JBD2_FEATURE_INCOMPAT_CSUM_V3
#define B64 JBD2_FEATURE_INCOMPAT_64BIT
#define FC JBD2_FEATURE_INCOMPAT_FAST_COMMIT

struct jctx {
        struct test_journal t;
        struct sb_opts o;
        struct jbd2_super s;
        uint32_t log_end, first, pos, seed, v1sum;
        struct jbd2_log log;
        struct fcr_diag d;
};

static struct jctx C;

static void setup(uint32_t compat, uint32_t incompat, uint32_t seq, uint32_t start, uint32_t maxlen, uint32_t nfc) {
        memset(&C, 0, sizeof(C));
        C.o = (struct sb_opts) { .bs = BS, .maxlen = maxlen, .sequence = seq, .start = start,
                                 .compat = compat, .incompat = incompat, .nfc = nfc };
        tj_init(&C.t, BS, maxlen);
        C.first = 1;
        C.log_end = maxlen - ((incompat & FC) ? (nfc ? nfc : 256) : 0);
        C.pos = start;
        C.seed = ref_crc32c(~0U, test_uuid, 16);
        C.v1sum = ~0U;
}

static void teardown(void) {
        jbd2_log_done(&C.log);
        tj_done(&C.t);
}

static bool has(uint32_t f) { return C.o.incompat & f; }
static bool csum_v2v3(void) { return has(V2) || has(V3); }
static unsigned tag_bytes(void) {
        return has(V3) ? 16 : 8 + (has(V2) ? 2 : 0) + (has(B64) ? 4 : 0);
}

static uint8_t *next_blk(uint32_t *where) {
        uint32_t b = C.pos;
        uint8_t *p = tj_block(&C.t, b);

        C.pos = b + 1 >= C.log_end ? C.first : b + 1;
        if (where)
                *where = b;
        memset(p, 0, BS);
        return p;
}

static void header(uint8_t *b, uint32_t type, uint32_t seq) {
        put_be32(b + JBD2_H_MAGIC, JBD2_MAGIC);
        put_be32(b + JBD2_H_BLOCKTYPE, type);
        put_be32(b + JBD2_H_SEQUENCE, seq);
}

static void put_be16(uint8_t *p, uint16_t v) {
        p[0] = v >> 8;
        p[1] = (uint8_t) v;
}

static void set_tail(uint8_t *b) {
        if (!csum_v2v3())
                return;
        memset(b + BS - 4, 0, 4);
        put_be32(b + BS - 4, ref_crc32c(C.seed, b, BS));
}

static void data_pattern(uint8_t *d, uint32_t tid, int i) {
        for (int k = 0; k < BS; k++)
                d[k] = (uint8_t) (tid * 31 + i * 7 + k);
}

static uint32_t data_csum(uint32_t tid, const uint8_t *d) {
        uint8_t seq[4];

        put_be32(seq, tid);
        return ref_crc32c(ref_crc32c(C.seed, seq, 4), d, BS);
}

struct tspec {
        uint64_t blk;
        uint32_t flags;         /* ESCAPE / DELETED; SAME_UUID and LAST_TAG are added */
};

/* A descriptor with n tags (the first carries the UUID) and its data
 * blocks.  no_last: leave LAST_TAG off (the block's end bounds the tags). */
static uint32_t add_desc_ex(uint32_t tid, const struct tspec *tags, int n, bool no_last, bool bad_tail) {
        uint8_t data[256][BS];
        uint32_t where, off = JBD2_HEADER_SIZE;
        uint8_t *b = next_blk(&where);

        ck_assert_int_le(n, 256);
        header(b, JBD2_DESCRIPTOR_BLOCK, tid);
        for (int i = 0; i < n; i++) {
                uint32_t flags = tags[i].flags | (i ? JBD2_FLAG_SAME_UUID : 0) |
                                 (i == n - 1 && !no_last ? JBD2_FLAG_LAST_TAG : 0);
                uint8_t *t = b + off;
                uint32_t cs;

                data_pattern(data[i], tid, i);
                cs = data_csum(tid, data[i]);
                put_be32(t, (uint32_t) tags[i].blk);
                if (has(V3)) {
                        put_be32(t + 4, flags);
                        put_be32(t + 12, cs);
                } else {
                        if (has(V2))
                                put_be16(t + 4, (uint16_t) cs);
                        put_be16(t + 6, (uint16_t) flags);
                }
                if (has(B64))
                        put_be32(t + 8, (uint32_t) (tags[i].blk >> 32));
                off += tag_bytes();
                if (i == 0) {
                        memcpy(b + off, test_uuid, 16);
                        off += 16;
                }
                ck_assert_uint_le(off, BS - (csum_v2v3() ? 4 : 0));
        }
        set_tail(b);
        if (bad_tail)
                b[BS - 1] ^= 0x80;
        C.v1sum = ref_crc32_be(C.v1sum, b, BS);
        for (int i = 0; i < n; i++) {
                memcpy(next_blk(NULL), data[i], BS);
                C.v1sum = ref_crc32_be(C.v1sum, data[i], BS);
        }
        return where;
}

static uint32_t add_desc(uint32_t tid, const struct tspec *tags, int n) {
        return add_desc_ex(tid, tags, n, false, false);
}

static uint32_t add_revoke(uint32_t tid, const uint64_t *blks, int n, uint32_t count_override) {
        unsigned rec = has(B64) ? 8 : 4;
        uint32_t where;
        uint8_t *b = next_blk(&where);

        header(b, JBD2_REVOKE_BLOCK, tid);
        put_be32(b + JBD2_REVOKE_COUNT, count_override ? count_override : JBD2_REVOKE_HEADER_SIZE + n * rec);
        for (int i = 0; i < n; i++) {
                if (rec == 8) {
                        put_be32(b + 16 + i * 8, (uint32_t) (blks[i] >> 32));
                        put_be32(b + 20 + i * 8, (uint32_t) blks[i]);
                } else
                        put_be32(b + 16 + i * 4, (uint32_t) blks[i]);
        }
        set_tail(b);
        return where;
}

static uint32_t add_commit(uint32_t tid, uint64_t sec, bool corrupt) {
        uint32_t where;
        uint8_t *b = next_blk(&where);

        header(b, JBD2_COMMIT_BLOCK, tid);
        put_be32(b + JBD2_COMMIT_SEC, (uint32_t) (sec >> 32));
        put_be32(b + JBD2_COMMIT_SEC + 4, (uint32_t) sec);
        put_be32(b + JBD2_COMMIT_NSEC, 123456);
        if (C.o.compat & JBD2_FEATURE_COMPAT_CHECKSUM) {
                b[JBD2_COMMIT_CHKSUM_TYPE] = JBD2_CRC32_CHKSUM;
                b[JBD2_COMMIT_CHKSUM_SIZE] = JBD2_CRC32_CHKSUM_SIZE;
                put_be32(b + JBD2_COMMIT_CHKSUM, C.v1sum ^ (corrupt ? 1 : 0));
        } else if (csum_v2v3()) {
                put_be32(b + JBD2_COMMIT_CHKSUM, ref_crc32c(C.seed, b, BS) ^ (corrupt ? 1 : 0));
        } else
                ck_assert_msg(!corrupt, "no checksum to corrupt");
        C.v1sum = ~0U;
        return where;
}

/* Write the superblock, open the image, parse it and scan. */
static int scan(void) {
        make_jsb(tj_block(&C.t, 0), &C.o);
        tj_sync(&C.t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&C.t, 0), BS, C.t.nblocks, &C.s, &C.d), 0);
        ck_assert_uint_eq(C.s.log_end, C.log_end);
        return jbd2_scan(&C.t.j, &C.s, &C.log, &C.d);
}

START_TEST(clean_journal) {
        setup(0, 0, 42, 0, 1100, 0);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_CLEAN);
        ck_assert_uint_eq(C.log.nr_txns, 0);
        ck_assert_uint_eq(C.log.start_tid, 42);
        ck_assert_uint_eq(C.log.end_tid, 42);
        teardown();
}
END_TEST

START_TEST(one_transaction_32bit_no_csum) {
        struct tspec tags[] = { { 5000, 0 }, { 6000, 0 }, { 7, 0 } };
        uint32_t d, c;

        setup(0, JBD2_FEATURE_INCOMPAT_REVOKE, 100, 10, 1100, 0);
        d = add_desc(100, tags, 3);
        c = add_commit(100, 1000, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_txns, 1);
        ck_assert_uint_eq(C.log.nr_tags, 3);
        ck_assert(C.log.txns[0].committed);
        ck_assert(!C.log.txns[0].wraps);
        ck_assert_uint_eq(C.log.txns[0].tid, 100);
        ck_assert_uint_eq(C.log.txns[0].first_block, d);
        ck_assert_uint_eq(C.log.txns[0].nr_log_blocks, 5);
        ck_assert_uint_eq(C.log.txns[0].nr_descriptors, 1);
        ck_assert_uint_eq(C.log.txns[0].commit_sec, 1000);
        ck_assert_uint_eq(C.log.txns[0].commit_nsec, 123456);
        for (int i = 0; i < 3; i++) {
                ck_assert_uint_eq(C.log.tags[i].fs_block, tags[i].blk);
                ck_assert_uint_eq(C.log.tags[i].log_block, d + 1 + i);
                ck_assert_uint_eq(C.log.tags[i].tid, 100);
        }
        ck_assert_uint_eq(C.log.tags[2].flags & JBD2_FLAG_LAST_TAG, JBD2_FLAG_LAST_TAG);
        ck_assert_uint_eq(C.log.tags[0].flags & JBD2_FLAG_SAME_UUID, 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_NO_MAGIC);
        ck_assert_uint_eq(C.log.end_block, c + 1);
        ck_assert_uint_eq(C.log.next_block, c + 1);
        ck_assert_uint_eq(C.log.start_tid, 100);
        ck_assert_uint_eq(C.log.end_tid, 101);
        ck_assert(jbd2_txn_in_replay(&C.log, &C.log.txns[0]));
        teardown();
}
END_TEST

START_TEST(uncommitted_tail_is_not_replayed) {
        struct tspec tags[] = { { 5000, 0 } };

        setup(0, 0, 100, 1, 1100, 0);
        add_desc(100, tags, 1);
        add_commit(100, 1, false);
        add_desc(101, tags, 1);         /* no commit follows */
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_txns, 2);
        ck_assert(C.log.txns[0].committed);
        ck_assert(!C.log.txns[1].committed);
        ck_assert(!jbd2_txn_in_replay(&C.log, &C.log.txns[1]));
        ck_assert_uint_eq(C.log.end_tid, 101);
        ck_assert_uint_eq(C.log.next_block, 4);
        teardown();
}
END_TEST

START_TEST(sequence_mismatch_ends_log) {
        struct tspec tags[] = { { 5000, 0 } };
        uint32_t bad;

        setup(0, 0, 100, 1, 1100, 0);
        add_desc(100, tags, 1);
        add_commit(100, 1, false);
        add_desc(101, tags, 1);
        add_commit(101, 2, false);
        bad = add_desc(107, tags, 1);   /* left from another pass */
        add_commit(107, 3, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_SEQUENCE);
        ck_assert_uint_eq(C.log.end_block, bad);
        ck_assert_uint_eq(C.log.nr_txns, 2);
        ck_assert_uint_eq(C.log.end_tid, 102);
        ck_assert_uint_eq(C.log.next_block, bad);
        teardown();
}
END_TEST

START_TEST(unknown_block_type_ends_log) {
        struct tspec tags[] = { { 5000, 0 } };
        uint32_t where;
        uint8_t *b;

        setup(0, 0, 100, 1, 1100, 0);
        add_desc(100, tags, 1);
        add_commit(100, 1, false);
        b = next_blk(&where);
        header(b, 9, 101);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_UNKNOWN_TYPE);
        ck_assert_uint_eq(C.log.end_block, where);
        ck_assert_uint_eq(C.log.end_tid, 101);
        teardown();
}
END_TEST

START_TEST(tags_64bit) {
        struct tspec tags[] = { { 0x123456789ULL, 0 }, { 0xABCD00000001ULL, 0 } };

        setup(0, B64, 1, 1, 1100, 0);
        add_desc(1, tags, 2);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_tags, 2);
        ck_assert_uint_eq(C.log.tags[0].fs_block, 0x123456789ULL);
        ck_assert_uint_eq(C.log.tags[1].fs_block, 0xABCD00000001ULL);
        ck_assert(C.log.txns[0].committed);
        teardown();
}
END_TEST

START_TEST(tags_32bit_ignore_high_word) {
        /* Without 64BIT, the 4 bytes after a tag are not a block's high
         * half: with 8-byte tags they belong to the next tag. */
        struct tspec tags[] = { { 11, 0 }, { 22, 0 }, { 33, 0 } };

        setup(0, 0, 1, 1, 1100, 0);
        add_desc(1, tags, 3);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_tags, 3);
        ck_assert_uint_eq(C.log.tags[1].fs_block, 22);
        ck_assert_uint_eq(C.log.tags[2].fs_block, 33);
        teardown();
}
END_TEST

START_TEST(csum_v2_tags_and_commit) {
        struct tspec tags[] = { { 300, 0 }, { 0x100000300ULL, 0 } };
        uint8_t d[BS];

        setup(0, V2 | B64, 5, 1, 1100, 0);
        add_desc(5, tags, 2);
        add_commit(5, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.s.tag_bytes, 14);
        ck_assert(C.log.txns[0].committed);
        ck_assert_uint_eq(C.log.tags[1].fs_block, 0x100000300ULL);
        data_pattern(d, 5, 1);
        ck_assert_uint_eq(C.log.tags[1].csum, data_csum(5, d) & 0xffff);
        teardown();
}
END_TEST

START_TEST(csum_v3_tags_and_commit) {
        struct tspec tags[] = { { 300, 0 }, { 301, 0 } };
        uint8_t d[BS];

        setup(0, V3, 5, 1, 1100, 0);
        add_desc(5, tags, 2);
        add_commit(5, 1, false);
        add_desc(6, tags, 1);
        add_commit(6, 2, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_txns, 2);
        ck_assert(C.log.txns[1].committed);
        data_pattern(d, 5, 0);
        ck_assert_uint_eq(C.log.tags[0].csum, data_csum(5, d));
        data_pattern(d, 6, 0);
        ck_assert_uint_eq(C.log.tags[2].csum, data_csum(6, d));
        ck_assert_uint_eq(C.log.end_tid, 7);
        teardown();
}
END_TEST

START_TEST(bad_commit_csum_ends_log) {
        struct tspec tags[] = { { 300, 0 } };
        uint32_t c2;

        setup(0, V3, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        add_commit(5, 100, false);
        add_desc(6, tags, 1);
        c2 = add_commit(6, 200, true);
        add_desc(7, tags, 1);
        add_commit(7, 300, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_COMMIT_CSUM);
        ck_assert_uint_eq(C.log.end_tid, 6);
        ck_assert_uint_eq(C.log.end_block, c2);
        ck_assert_uint_eq(C.log.nr_txns, 2);
        ck_assert(C.log.txns[0].committed);
        ck_assert(!C.log.txns[1].committed);
        ck_assert(jbd2_txn_in_replay(&C.log, &C.log.txns[0]));
        ck_assert(!jbd2_txn_in_replay(&C.log, &C.log.txns[1]));
        ck_assert_uint_eq(C.log.next_block, 4);
        /* Without async commit the transaction is corrupt, not torn. */
        ck_assert(C.log.commit_corrupt);
        teardown();
}
END_TEST

/* A block of an older transaction in the middle of the log (damage, not
 * the previous pass): the newer transaction after it proves the log goes
 * on, and the scan says so. */
START_TEST(older_block_mid_log_continues) {
        struct tspec tags[] = { { 300, 0 } };

        setup(0, V3, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        add_commit(5, 100, false);
        add_desc(2, tags, 1);           /* stale, where 6 should start */
        add_desc(7, tags, 1);
        add_commit(7, 300, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_SEQUENCE);
        ck_assert_uint_eq(C.log.end_tid, 6);
        ck_assert(C.log.continues);
        ck_assert_uint_eq(C.log.cont_tid, 7);
        teardown();
}
END_TEST

/* A genuine end: only older transactions follow. */
START_TEST(older_blocks_after_end_are_the_previous_pass) {
        struct tspec tags[] = { { 300, 0 } };

        setup(0, V3, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        add_commit(5, 100, false);
        add_desc(2, tags, 1);
        add_commit(2, 50, false);
        add_desc(3, tags, 1);
        add_commit(3, 60, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.end_tid, 6);
        ck_assert(!C.log.continues);
        teardown();
}
END_TEST

START_TEST(bad_commit_csum_async_is_torn) {
        struct tspec tags[] = { { 300, 0 } };

        setup(0, V3 | JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        add_commit(5, 100, false);
        add_desc(6, tags, 1);
        add_commit(6, 200, true);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_COMMIT_CSUM);
        ck_assert_uint_eq(C.log.end_tid, 6);
        ck_assert(!C.log.commit_corrupt);
        teardown();
}
END_TEST

START_TEST(bad_commit_csum_older_time_is_stale) {
        struct tspec tags[] = { { 300, 0 } };

        setup(0, V2, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        add_commit(5, 1000, false);
        add_desc(6, tags, 1);
        add_commit(6, 500, true);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_STALE);
        ck_assert_uint_eq(C.log.end_tid, 6);
        ck_assert(!C.log.commit_corrupt);
        teardown();
}
END_TEST

START_TEST(bad_descriptor_csum_refused) {
        struct tspec tags[] = { { 300, 0 } };
        int r;

        setup(0, V3, 5, 1, 1100, 0);
        add_desc_ex(5, tags, 1, false, true);
        add_commit(5, 1000, false);
        r = scan();
        ck_assert_int_eq(r, -EBADMSG);
        ck_assert_contains(C.d.msg, "transaction 5");
        ck_assert_contains(C.d.msg, "bad checksum");
        ck_assert_ptr_null(C.log.txns);
        teardown();
}
END_TEST

START_TEST(bad_revoke_csum_refused) {
        struct tspec tags[] = { { 300, 0 } };
        uint64_t rv[] = { 300 };
        uint32_t rb;

        setup(0, V2, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        rb = add_revoke(5, rv, 1, 0);
        tj_block(&C.t, rb)[20] ^= 1;
        add_commit(5, 1000, false);
        ck_assert_int_eq(scan(), -EBADMSG);
        teardown();
}
END_TEST

START_TEST(bad_descriptor_csum_with_older_commit_is_stale) {
        struct tspec tags[] = { { 300, 0 } };

        setup(0, V3, 5, 1, 1100, 0);
        add_desc(5, tags, 1);
        add_commit(5, 1000, false);
        add_desc_ex(6, tags, 1, false, true);
        add_commit(6, 10, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_STALE);
        ck_assert_uint_eq(C.log.end_tid, 6);
        ck_assert(C.log.txns[0].committed);
        ck_assert(!C.log.txns[1].committed);
        teardown();
}
END_TEST

START_TEST(escape_and_deleted_flags_recorded) {
        struct tspec tags[] = { { 10, JBD2_FLAG_ESCAPE }, { 11, 0 }, { 12, JBD2_FLAG_DELETED } };

        setup(0, V3, 1, 1, 1100, 0);
        add_desc(1, tags, 3);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.tags[0].flags & JBD2_FLAG_ESCAPE, JBD2_FLAG_ESCAPE);
        ck_assert_uint_eq(C.log.tags[1].flags & JBD2_FLAG_ESCAPE, 0);
        ck_assert_uint_eq(C.log.tags[2].flags & JBD2_FLAG_DELETED, JBD2_FLAG_DELETED);
        ck_assert_uint_eq(C.log.tags[1].flags & JBD2_FLAG_SAME_UUID, JBD2_FLAG_SAME_UUID);
        teardown();
}
END_TEST

START_TEST(descriptor_without_last_tag_fills_block) {
        /* 8-byte tags, the first followed by a 16-byte UUID, none marked
         * LAST_TAG: as many as fit in the block (123), no more. */
        struct tspec tags[256];
        int n = 1 + (BS - JBD2_HEADER_SIZE - 8 - 16) / 8;

        for (int i = 0; i < n; i++)
                tags[i] = (struct tspec) { 1000 + i, 0 };
        setup(0, 0, 1, 1, 1100, 0);
        add_desc_ex(1, tags, n, true, false);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_tags, n);
        ck_assert_uint_eq(C.log.tags[n - 1].fs_block, 1000 + n - 1);
        ck_assert(C.log.txns[0].committed);
        ck_assert_uint_eq(C.log.txns[0].nr_log_blocks, n + 2);
        teardown();
}
END_TEST

START_TEST(descriptor_v3_tags_stop_before_tail) {
        struct tspec tags[256];
        int n = 1 + (BS - JBD2_HEADER_SIZE - 4 - 16 - 16) / 16;

        for (int i = 0; i < n; i++)
                tags[i] = (struct tspec) { 2000 + i, 0 };
        setup(0, V3, 1, 1, 1100, 0);
        add_desc_ex(1, tags, n, true, false);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_tags, n);
        ck_assert(C.log.txns[0].committed);
        teardown();
}
END_TEST

struct seen {
        uint64_t blocks[8];
        uint32_t tids[8];
        size_t n;
};

static int see(uint64_t fs_block, uint32_t tid, void *userdata) {
        struct seen *s = userdata;

        ck_assert_uint_lt(s->n, 8);
        s->blocks[s->n] = fs_block;
        s->tids[s->n++] = tid;
        return 0;
}

/* The records of revoke block i, read again, are want (of tid). */
static void revoked_are(size_t i, const uint64_t *want, size_t n, uint32_t tid) {
        uint8_t buf[BS];
        struct seen s = {};

        ck_assert_int_eq(jbd2_revoke_records(&C.t.j, &C.s, &C.log.revoke_blks[i], buf, see, &s, &C.d), 0);
        ck_assert_uint_eq(s.n, n);
        for (size_t k = 0; k < n; k++) {
                ck_assert_uint_eq(s.blocks[k], want[k]);
                ck_assert_uint_eq(s.tids[k], tid);
        }
}

START_TEST(revoke_records_32) {
        struct tspec tags[] = { { 300, 0 } };
        uint64_t rv[] = { 7, 8, 0xfffffff0ULL };

        setup(0, JBD2_FEATURE_INCOMPAT_REVOKE, 1, 1, 1100, 0);
        add_revoke(1, rv, 3, 0);
        add_desc(1, tags, 1);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_revokes, 3);
        ck_assert_uint_eq(C.log.txns[0].nr_revokes, 3);
        ck_assert_uint_eq(C.log.txns[0].nr_revoke_blks, 1);
        ck_assert_uint_eq(C.log.revoke_blks[0].log_block, 1);
        ck_assert_uint_eq(C.log.revoke_blks[0].nr_records, 3);
        revoked_are(0, rv, 3, 1);
        ck_assert(!C.log.txns[0].bad_revoke);
        ck_assert_uint_eq(C.log.txns[0].nr_log_blocks, 4);
        teardown();
}
END_TEST

START_TEST(revoke_records_64_with_csum) {
        uint64_t rv[] = { 0x1122334455ULL, 9 };

        setup(0, JBD2_FEATURE_INCOMPAT_REVOKE | B64 | V3, 1, 1, 1100, 0);
        add_revoke(1, rv, 2, 0);
        add_commit(1, 1, false);
        add_revoke(2, rv + 1, 1, 0);
        add_commit(2, 2, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_txns, 2);
        ck_assert_uint_eq(C.log.nr_revokes, 3);
        revoked_are(0, rv, 2, 1);
        revoked_are(1, rv + 1, 1, 2);
        ck_assert_uint_eq(C.log.txns[1].first_revoke_blk, 1);
        ck_assert(C.log.txns[1].committed);
        teardown();
}
END_TEST

/* Read again for the plan, a revoke block that no longer holds what the
 * scan counted is refused: the journal changed under the replay. */
START_TEST(revoke_block_changed_after_scan) {
        uint64_t rv[] = { 7, 8 };
        uint8_t buf[BS];
        struct seen s = {};
        uint32_t rb;

        setup(0, JBD2_FEATURE_INCOMPAT_REVOKE, 1, 1, 1100, 0);
        rb = add_revoke(1, rv, 2, 0);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        put_be32(tj_block(&C.t, rb) + JBD2_REVOKE_COUNT, JBD2_REVOKE_HEADER_SIZE + 4);
        tj_sync(&C.t);
        ck_assert_int_eq(jbd2_revoke_records(&C.t.j, &C.s, &C.log.revoke_blks[0], buf, see, &s, &C.d), -EIO);
        ck_assert_contains(C.d.msg, "changed since the journal was read");
        teardown();
}
END_TEST

START_TEST(revoke_impossible_count) {
        uint64_t rv[] = { 7 };

        setup(0, JBD2_FEATURE_INCOMPAT_REVOKE, 1, 1, 1100, 0);
        add_revoke(1, rv, 1, BS + 4);
        add_commit(1, 1, false);
        ck_assert_int_eq(scan(), 0);
        ck_assert(C.log.txns[0].bad_revoke);
        ck_assert_uint_eq(C.log.nr_revokes, 0);
        teardown();
}
END_TEST

START_TEST(wrap_at_end_of_log) {
        struct tspec tags[] = { { 50, 0 }, { 51, 0 } };
        uint32_t d, c;

        setup(0, V3, 9, 1097, 1100, 0);
        d = add_desc(9, tags, 2);
        c = add_commit(9, 1, false);
        ck_assert_uint_eq(d, 1097);
        ck_assert_uint_eq(c, 1);
        ck_assert_int_eq(scan(), 0);
        ck_assert(C.log.txns[0].committed);
        ck_assert(C.log.txns[0].wraps);
        ck_assert_uint_eq(C.log.tags[0].log_block, 1098);
        ck_assert_uint_eq(C.log.tags[1].log_block, 1099);
        ck_assert_uint_eq(C.log.next_block, 2);
        teardown();
}
END_TEST

START_TEST(wrap_before_fast_commit_area) {
        /* The log area ends at maxlen - nfc; blocks from there on belong
         * to fast commits and must never be read as log blocks. */
        struct tspec tags[] = { { 50, 0 } };
        uint8_t *b;

        setup(0, V3 | FC, 9, 1022, 1024 + 16, 16);
        ck_assert_int_eq(add_desc(9, tags, 1), 1022);
        ck_assert_int_eq(add_commit(9, 5, false), 1);
        /* A decoy at block 1024: a commit of tid 9 with a bad checksum. */
        b = tj_block(&C.t, 1024);
        header(b, JBD2_COMMIT_BLOCK, 9);
        ck_assert_int_eq(scan(), 0);
        ck_assert(C.log.txns[0].committed);
        ck_assert(C.log.txns[0].wraps);
        ck_assert_uint_eq(C.log.tags[0].log_block, 1023);
        ck_assert_uint_eq(C.log.next_block, 2);
        ck_assert_uint_eq(C.log.end_tid, 10);
        teardown();
}
END_TEST

START_TEST(v1_commit_checksum) {
        struct tspec tags[] = { { 50, 0 }, { 60, 0 } };

        setup(JBD2_FEATURE_COMPAT_CHECKSUM, 0, 3, 1, 1100, 0);
        add_desc(3, tags, 2);
        add_commit(3, 1, false);
        add_desc(4, tags, 1);
        add_commit(4, 2, true);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(C.log.nr_txns, 2);
        ck_assert(C.log.txns[0].committed);
        ck_assert(!C.log.txns[1].committed);
        ck_assert_int_eq(C.log.end_reason, JBD2_END_COMMIT_CSUM);
        ck_assert_uint_eq(C.log.end_tid, 4);
        teardown();
}
END_TEST

START_TEST(v1_commit_without_checksum_accepted) {
        struct tspec tags[] = { { 50, 0 } };
        uint32_t c;
        uint8_t *b;

        setup(JBD2_FEATURE_COMPAT_CHECKSUM, 0, 3, 1, 1100, 0);
        add_desc(3, tags, 1);
        c = add_commit(3, 1, false);
        b = tj_block(&C.t, c);
        b[JBD2_COMMIT_CHKSUM_TYPE] = 0;
        b[JBD2_COMMIT_CHKSUM_SIZE] = 0;
        put_be32(b + JBD2_COMMIT_CHKSUM, 0);
        ck_assert_int_eq(scan(), 0);
        ck_assert(C.log.txns[0].committed);
        teardown();
}
END_TEST

START_TEST(read_error_is_reported) {
        struct tspec tags[] = { { 50, 0 } };

        setup(0, 0, 3, 1097, 1100, 0);
        add_desc(3, tags, 1);
        add_commit(3, 1, false);
        make_jsb(tj_block(&C.t, 0), &C.o);
        tj_sync(&C.t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&C.t, 0), BS, C.t.nblocks, &C.s, &C.d), 0);
        /* The journal turns out shorter than the superblock said. */
        C.t.j.nblocks = 1098;
        ck_assert_int_lt(jbd2_scan(&C.t.j, &C.s, &C.log, &C.d), 0);
        ck_assert_contains(C.d.msg, "cannot read journal block 1098");
        teardown();
}
END_TEST

START_TEST(end_reason_strings) {
        for (int e = JBD2_END_CLEAN; e <= JBD2_END_STALE; e++)
                ck_assert_str_ne(jbd2_end_reason_str(e), "unknown");
        ck_assert_str_eq(jbd2_end_reason_str((enum jbd2_end) 99), "unknown");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("jbd2_scan");
        TCase *tc = tcase_create("walk");

        tcase_add_test(tc, clean_journal);
        tcase_add_test(tc, one_transaction_32bit_no_csum);
        tcase_add_test(tc, uncommitted_tail_is_not_replayed);
        tcase_add_test(tc, sequence_mismatch_ends_log);
        tcase_add_test(tc, unknown_block_type_ends_log);
        tcase_add_test(tc, tags_64bit);
        tcase_add_test(tc, tags_32bit_ignore_high_word);
        tcase_add_test(tc, escape_and_deleted_flags_recorded);
        tcase_add_test(tc, descriptor_without_last_tag_fills_block);
        tcase_add_test(tc, descriptor_v3_tags_stop_before_tail);
        tcase_add_test(tc, wrap_at_end_of_log);
        tcase_add_test(tc, wrap_before_fast_commit_area);
        tcase_add_test(tc, read_error_is_reported);
        tcase_add_test(tc, end_reason_strings);
        suite_add_tcase(s, tc);
        tc = tcase_create("checksums");
        tcase_add_test(tc, csum_v2_tags_and_commit);
        tcase_add_test(tc, csum_v3_tags_and_commit);
        tcase_add_test(tc, bad_commit_csum_ends_log);
        tcase_add_test(tc, bad_commit_csum_async_is_torn);
        tcase_add_test(tc, older_block_mid_log_continues);
        tcase_add_test(tc, older_blocks_after_end_are_the_previous_pass);
        tcase_add_test(tc, bad_commit_csum_older_time_is_stale);
        tcase_add_test(tc, bad_descriptor_csum_refused);
        tcase_add_test(tc, bad_revoke_csum_refused);
        tcase_add_test(tc, bad_descriptor_csum_with_older_commit_is_stale);
        tcase_add_test(tc, v1_commit_checksum);
        tcase_add_test(tc, v1_commit_without_checksum_accepted);
        suite_add_tcase(s, tc);
        tc = tcase_create("revoke");
        tcase_add_test(tc, revoke_records_32);
        tcase_add_test(tc, revoke_records_64_with_csum);
        tcase_add_test(tc, revoke_block_changed_after_scan);
        tcase_add_test(tc, revoke_impossible_count);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
