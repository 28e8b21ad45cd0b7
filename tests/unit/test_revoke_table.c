/* lib/journal/revoke_table.c: the latest revoking transaction per logged
 * block; records of blocks never logged take no room; tids compare
 * modulo 2^32, as the log's do. */
#include "journal/revoke_table.h"
#include "unit.h"

static struct revoke_table T;

START_TEST(latest_revoke_wins) {
        ck_assert_int_eq(revoke_table_init(&T, 4), 0);
        revoke_table_add(&T, 100);
        revoke_table_add(&T, 200);
        revoke_table_add(&T, 100);      /* logged twice: one entry */
        ck_assert_uint_eq(T.n, 2);
        revoke_table_revoke(&T, 100, 7);
        revoke_table_revoke(&T, 100, 5);        /* older: no change */
        ck_assert(revoke_table_revoked(&T, 100, 7));
        ck_assert(revoke_table_revoked(&T, 100, 3));
        ck_assert(!revoke_table_revoked(&T, 100, 8));   /* logged after the revoke */
        ck_assert(!revoke_table_revoked(&T, 200, 1));   /* never revoked */
        revoke_table_done(&T);
}
END_TEST

START_TEST(unlogged_blocks_take_no_room) {
        ck_assert_int_eq(revoke_table_init(&T, 1), 0);
        revoke_table_add(&T, 42);
        for (uint64_t b = 0; b < 1000000; b++)
                revoke_table_revoke(&T, b * 7 + 1000, 9);
        ck_assert_uint_eq(T.n, 1);
        ck_assert_uint_le(T.cap, 16);
        ck_assert(!revoke_table_revoked(&T, 1000, 9));
        revoke_table_revoke(&T, 42, 9);
        ck_assert(revoke_table_revoked(&T, 42, 9));
        revoke_table_done(&T);
}
END_TEST

START_TEST(tids_wrap) {
        ck_assert_int_eq(revoke_table_init(&T, 1), 0);
        revoke_table_add(&T, 5);
        revoke_table_revoke(&T, 5, 0xfffffffeU);
        revoke_table_revoke(&T, 5, 2);          /* after the wrap: later */
        ck_assert(revoke_table_revoked(&T, 5, 1));
        ck_assert(!revoke_table_revoked(&T, 5, 3));
        revoke_table_done(&T);
}
END_TEST

START_TEST(many_blocks) {
        size_t n = 100000;

        ck_assert_int_eq(revoke_table_init(&T, n), 0);
        for (uint64_t b = 0; b < n; b++)
                revoke_table_add(&T, b << 20);
        ck_assert_uint_eq(T.n, n);
        for (uint64_t b = 0; b < n; b += 2)
                revoke_table_revoke(&T, b << 20, 10);
        for (uint64_t b = 0; b < n; b++)
                ck_assert(revoke_table_revoked(&T, b << 20, 10) == (b % 2 == 0));
        revoke_table_done(&T);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("revoke_table");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, latest_revoke_wins);
        tcase_add_test(tc, unlogged_blocks_take_no_room);
        tcase_add_test(tc, tids_wrap);
        tcase_add_test(tc, many_blocks);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
