/* lib/journal/jbd2_write.c: a transaction written with jbd2_write_txn
 * reads back through the scanner (lib/journal/jbd2_scan.c) as one
 * committed transaction with the same blocks, for each checksum flavour,
 * across the end of the log, over several descriptors; and one that does
 * not fit is refused before a single block is written. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "unit_log.h"

#define TID 7
#define V3 JBD2_FEATURE_INCOMPAT_CSUM_V3
#define V2 JBD2_FEATURE_INCOMPAT_CSUM_V2
#define B64 JBD2_FEATURE_INCOMPAT_64BIT
#define V1 JBD2_FEATURE_COMPAT_CHECKSUM
#define SMALL_FIRST (LOG_MAXLEN - 31)    /* a log of 31 blocks */

static struct unit_log L;

static void teardown(void) {
        ul_done(&L);
}

/* Write n blocks from start, scan, and check the one transaction found. */
static void roundtrip(uint32_t first, uint32_t compat, uint32_t incompat, uint32_t start, size_t n,
                      uint64_t first_fs_block) {
        uint8_t buf[LOG_BS];
        uint32_t next = 0;

        ul_init(&L, first, compat, incompat, TID, start);
        ul_blocks(&L, n, first_fs_block, 3, 1, 1);
        ck_assert_int_eq(jbd2_write_txn(&L.t.j, &L.s, TID, start, L.out, n, &next, &L.d), 0);
        ck_assert_int_eq(ul_scan(&L), 0);
        ck_assert_uint_eq(L.log.nr_txns, 1);
        ck_assert(L.log.txns[0].committed);
        ck_assert_uint_eq(L.log.txns[0].tid, TID);
        ck_assert_uint_eq(L.log.txns[0].nr_log_blocks, jbd2_txn_size(&L.s, n));
        ck_assert_uint_eq(L.log.end_tid, TID + 1);
        ck_assert_uint_eq(L.log.next_block, next);
        ck_assert(!L.log.commit_corrupt);
        ck_assert_uint_eq(L.log.nr_tags, n);
        for (size_t i = 0; i < n; i++) {
                const struct jbd2_tag_rec *t = &L.log.tags[i];

                ck_assert_uint_eq(t->fs_block, first_fs_block + i * 3);
                ul_read(&L, t->log_block, buf);
                if (i == 1) {
                        /* The block that began with the magic went in escaped. */
                        ck_assert(t->flags & JBD2_FLAG_ESCAPE);
                        ck_assert_uint_eq(get_be32(buf), 0);
                        ck_assert_mem_eq(buf + 4, L.data[i] + 4, LOG_BS - 4);
                } else {
                        ck_assert(!(t->flags & JBD2_FLAG_ESCAPE));
                        ck_assert_mem_eq(buf, L.data[i], LOG_BS);
                }
        }
}

START_TEST(plain) {
        roundtrip(1, 0, 0, 1, 5, 100);
}
END_TEST

START_TEST(csum_v1) {
        roundtrip(1, V1, 0, 1, 5, 100);
}
END_TEST

START_TEST(csum_v2_64bit) {
        /* Blocks above 2^32 need the high half of the tag. */
        roundtrip(1, 0, V2 | B64, 1, 5, 0x100000010ULL);
}
END_TEST

START_TEST(csum_v3) {
        roundtrip(1, 0, V3 | B64, 1, 5, 0x100000010ULL);
}
END_TEST

START_TEST(wraps_at_the_end_of_the_log) {
        roundtrip(1, 0, V3, LOG_MAXLEN - 4, 6, 200);
        ck_assert(L.log.txns[0].wraps);
        /* The last 4 log blocks, then 1..: a descriptor, 6 data blocks
         * and the commit. */
        ck_assert_uint_eq(L.log.next_block, 1 + 8 - 4);
}
END_TEST

START_TEST(several_descriptors) {
        /* 1 KiB blocks with v3 tags: 62 tags a descriptor. */
        roundtrip(1, 0, V3, 1, 150, 1000);
        ck_assert_uint_eq(L.log.txns[0].nr_descriptors, 3);
        ck_assert_uint_eq(jbd2_txn_size(&L.s, 150), 3 + 150 + 1);
}
END_TEST

START_TEST(too_big_is_refused_before_writing) {
        uint8_t buf[LOG_BS], zero[LOG_BS] = {};
        uint32_t next = 12345;
        size_t n = 30;

        ul_init(&L, SMALL_FIRST, 0, V3, TID, SMALL_FIRST);
        ul_blocks(&L, n, 100, 1, 2, -1);
        /* 1 descriptor + 30 + commit = 32 > the 31 blocks of the log. */
        ck_assert(!jbd2_txn_fits(&L.s, n));
        ck_assert(jbd2_txn_fits(&L.s, n - 2));
        ck_assert_int_eq(jbd2_write_txn(&L.t.j, &L.s, TID, SMALL_FIRST, L.out, n, &next, &L.d), -EINVAL);
        ck_assert_uint_eq(next, 12345);
        for (uint32_t b = 1; b < LOG_MAXLEN; b++) {
                ul_read(&L, b, buf);
                ck_assert_mem_eq(buf, zero, LOG_BS);
        }
}
END_TEST

START_TEST(fits_exactly_below_the_log_size) {
        ul_init(&L, SMALL_FIRST, 0, V3, TID, SMALL_FIRST);
        /* The log holds 31 blocks; a transaction must leave one free. */
        ck_assert_uint_eq(jbd2_txn_size(&L.s, 28), 30);
        ck_assert(jbd2_txn_fits(&L.s, 28));
        ck_assert_uint_eq(jbd2_txn_size(&L.s, 29), 31);
        ck_assert(!jbd2_txn_fits(&L.s, 29));
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("jbd2_write");
        TCase *tc = tcase_create("roundtrip");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, plain);
        tcase_add_test(tc, csum_v1);
        tcase_add_test(tc, csum_v2_64bit);
        tcase_add_test(tc, csum_v3);
        tcase_add_test(tc, wraps_at_the_end_of_the_log);
        tcase_add_test(tc, several_descriptors);
        suite_add_tcase(s, tc);
        tc = tcase_create("size");
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, too_big_is_refused_before_writing);
        tcase_add_test(tc, fits_exactly_below_the_log_size);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
