/* lib/journal/jbd2_plan.c: plans built from logs written with
 * jbd2_write_txn: the last copy of a block wins, revokes skip older copies
 * only, every check that refuses does so while planning (blocks beyond the
 * filesystem, data that fails its checksum, impossible revoke blocks), and
 * applying the plan writes exactly its blocks home. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "journal/jbd2_plan.h"
#include "unit_log.h"

#define TID 40
#define V3 JBD2_FEATURE_INCOMPAT_CSUM_V3
#define REVOKE JBD2_FEATURE_INCOMPAT_REVOKE

static struct unit_log L;
static struct jbd2_plan P;

static void teardown(void) {
        jbd2_plan_done(&P);
        ul_done(&L);
}

/* n blocks (first, step) as transaction tid at *pos; *pos moves on. */
static void txn(uint32_t tid, uint32_t *pos, size_t n, uint64_t first, uint64_t step, unsigned seed, int magic_at) {
        uint32_t next;

        ul_blocks(&L, n, first, step, seed, magic_at);
        ck_assert_int_eq(jbd2_write_txn(&L.t.j, &L.s, tid, *pos, L.out, n, &next, &L.d), 0);
        *pos = next;
}

/* A revoke block for tid (plain 32-bit records), then its commit. */
static void revoke_txn(uint32_t tid, uint32_t *pos, const uint32_t *blocks, size_t n, uint32_t count_override) {
        uint8_t b[LOG_BS] = {};
        uint32_t next;

        put_be32(b + JBD2_H_MAGIC, JBD2_MAGIC);
        put_be32(b + JBD2_H_BLOCKTYPE, JBD2_REVOKE_BLOCK);
        put_be32(b + JBD2_H_SEQUENCE, tid);
        put_be32(b + JBD2_REVOKE_COUNT, count_override ? count_override : JBD2_REVOKE_HEADER_SIZE + 4 * n);
        for (size_t i = 0; i < n; i++)
                put_be32(b + JBD2_REVOKE_HEADER_SIZE + 4 * i, blocks[i]);
        ck_assert_int_eq(fcr_journal_write(&L.t.j, *pos, b), 0);
        ck_assert_int_eq(jbd2_write_txn(&L.t.j, &L.s, tid, *pos + 1, NULL, 0, &next, &L.d), 0);
        *pos = next;
}

static const struct jbd2_write *planned(uint64_t fs_block) {
        for (size_t i = 0; i < P.nr_writes; i++)
                if (P.writes[i].fs_block == fs_block)
                        return &P.writes[i];
        return NULL;
}

static int build(uint64_t fs_blocks) {
        ck_assert_int_eq(ul_scan(&L), 0);
        return jbd2_plan_build(&L.t.j, &L.s, &L.log, fs_blocks, &P, &L.d);
}

START_TEST(last_copy_wins) {
        uint32_t pos = 1;

        ul_init(&L, 1, 0, V3, TID, 1);
        txn(TID, &pos, 3, 100, 1, 1, -1);       /* 100 101 102 */
        txn(TID + 1, &pos, 2, 101, 2, 2, -1);   /* 101 103 */
        ck_assert_int_eq(build(1000), 0);
        ck_assert_uint_eq(P.nr_txns, 2);
        ck_assert_uint_eq(P.nr_tags, 5);
        ck_assert_uint_eq(P.nr_writes, 4);
        for (size_t i = 1; i < P.nr_writes; i++)
                ck_assert_uint_lt(P.writes[i - 1].fs_block, P.writes[i].fs_block);
        ck_assert_uint_eq(planned(100)->tid, TID);
        ck_assert_uint_eq(planned(101)->tid, TID + 1);
        ck_assert_uint_eq(planned(101)->log_block, L.log.tags[3].log_block);
        ck_assert_uint_eq(planned(103)->tid, TID + 1);
}
END_TEST

START_TEST(revoke_skips_older_copies_only) {
        static const uint32_t rv[] = { 100, 500 };
        uint32_t pos = 1;

        ul_init(&L, 1, 0, REVOKE, TID, 1);
        txn(TID, &pos, 2, 100, 1, 1, -1);        /* 100 101 */
        revoke_txn(TID + 1, &pos, rv, 2, 0);     /* revokes 100 (and 500, never logged) */
        txn(TID + 2, &pos, 1, 102, 1, 3, -1);    /* 102 */
        ck_assert_int_eq(build(1000), 0);
        ck_assert_uint_eq(P.nr_txns, 3);
        ck_assert_uint_eq(P.nr_revokes, 2);
        ck_assert_uint_eq(P.nr_revoked, 1);
        ck_assert_ptr_null(planned(100));
        ck_assert_ptr_nonnull(planned(101));
        ck_assert_ptr_nonnull(planned(102));
        ck_assert_uint_eq(P.nr_writes, 2);
}
END_TEST

/* Block 100 logged, then revoked (count_override: the revoke block's
 * r_count, 0 for the right one); returns where the log goes on. */
static uint32_t logged_then_revoked(uint32_t count_override) {
        static const uint32_t rv[] = { 100 };
        uint32_t pos = 1;

        ul_init(&L, 1, 0, REVOKE, TID, 1);
        txn(TID, &pos, 1, 100, 1, 1, -1);
        revoke_txn(TID + 1, &pos, rv, 1, count_override);
        return pos;
}

START_TEST(revoke_does_not_reach_a_later_copy) {
        uint32_t pos = logged_then_revoked(0);

        txn(TID + 2, &pos, 1, 100, 1, 4, -1);    /* logged again after the revoke */
        ck_assert_int_eq(build(1000), 0);
        ck_assert_uint_eq(P.nr_revoked, 1);
        ck_assert_ptr_nonnull(planned(100));
        ck_assert_uint_eq(planned(100)->tid, TID + 2);
}
END_TEST

START_TEST(impossible_revoke_count_refused) {
        logged_then_revoked(LOG_BS + 4);
        ck_assert_int_eq(build(1000), -EUCLEAN);
        ck_assert_contains(L.d.msg, "impossible record count");
        ck_assert_uint_eq(P.nr_writes, 0);
        ck_assert_ptr_null(P.writes);
}
END_TEST

START_TEST(block_beyond_the_filesystem_refused) {
        uint32_t pos = 1;

        ul_init(&L, 1, 0, V3, TID, 1);
        txn(TID, &pos, 3, 98, 1, 1, -1);         /* 98 99 100 */
        ck_assert_int_eq(build(100), -EUCLEAN);
        ck_assert_contains(L.d.msg, "beyond the filesystem's 100 blocks");
        ck_assert_ptr_null(P.writes);
        jbd2_log_done(&L.log);
        ck_assert_int_eq(build(101), 0);
        ck_assert_uint_eq(P.nr_writes, 3);
}
END_TEST

START_TEST(data_checksum_refused_while_planning) {
        uint8_t buf[LOG_BS];
        uint32_t pos = 1, lb;

        ul_init(&L, 1, 0, V3, TID, 1);
        txn(TID, &pos, 3, 100, 1, 1, -1);
        ck_assert_int_eq(ul_scan(&L), 0);
        /* Damage the copy of block 101: the scan cannot tell (the
         * descriptor and commit are intact), the plan must. */
        lb = L.log.tags[1].log_block;
        ul_read(&L, lb, buf);
        buf[10] ^= 0xFF;
        ck_assert_int_eq(pwrite(L.t.fd, buf, LOG_BS, (off_t) lb * LOG_BS), LOG_BS);
        ck_assert_int_eq(build(1000), -EBADMSG);
        ck_assert_contains(L.d.msg, "filesystem block 101");
        ck_assert_contains(L.d.msg, "fails its checksum");
        ck_assert_ptr_null(P.writes);
}
END_TEST

static uint64_t progress_done, progress_total;
static unsigned progress_calls;

static void progress(uint64_t done, uint64_t total, void *userdata) {
        progress_done = done;
        progress_total = total;
        progress_calls++;
}

START_TEST(apply_writes_the_plan_home) {
        char *dir = unit_mkdtemp(), path[4096];
        uint8_t buf[LOG_BS], zero[LOG_BS] = {};
        uint32_t pos = 1;
        io_channel fsio;
        FILE *f;

        ul_init(&L, 1, 0, V3, TID, 1);
        txn(TID, &pos, 3, 10, 2, 1, 1);         /* 10 12 14; 12 begins with the magic */
        ck_assert_int_eq(build(64), 0);
        snprintf(path, sizeof(path), "%s/fs.img", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ftruncate(fileno(f), 64 * LOG_BS), 0);
        fclose(f);
        ck_assert_int_eq(unix_io_manager->open(path, IO_FLAG_RW, &fsio), 0);
        ck_assert_int_eq(io_channel_set_blksize(fsio, LOG_BS), 0);
        progress_calls = 0;
        ck_assert_int_eq(jbd2_plan_apply(&L.t.j, fsio, &P, progress, NULL, &L.d), 0);
        ck_assert_uint_ge(progress_calls, 1);
        ck_assert_uint_eq(progress_done, 3);
        ck_assert_uint_eq(progress_total, 3);
        for (uint64_t b = 0; b < 64; b++) {
                ck_assert_int_eq(io_channel_read_blk64(fsio, b, 1, buf), 0);
                if (b == 10 || b == 12 || b == 14)
                        /* The escaped magic is back. */
                        ck_assert_mem_eq(buf, L.data[(b - 10) / 2], LOG_BS);
                else
                        ck_assert_mem_eq(buf, zero, LOG_BS);
        }
        io_channel_close(fsio);
        unit_rmtree(dir);
        free(dir);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("jbd2_plan");
        TCase *tc = tcase_create("build");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, last_copy_wins);
        tcase_add_test(tc, revoke_skips_older_copies_only);
        tcase_add_test(tc, revoke_does_not_reach_a_later_copy);
        tcase_add_test(tc, impossible_revoke_count_refused);
        tcase_add_test(tc, block_beyond_the_filesystem_refused);
        tcase_add_test(tc, data_checksum_refused_while_planning);
        suite_add_tcase(s, tc);
        tc = tcase_create("apply");
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, apply_writes_the_plan_home);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
