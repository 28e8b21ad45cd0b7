/* lib/engine.c: scan, plan and apply on a copy of a shipped crash image.
 * Planning writes nothing (the image is compared byte for byte); the
 * engine's "wrote" flag is false until apply begins writing and true
 * after, whatever the errno of a failure says: a libext2fs error that
 * maps to a "refusal" errno after writing began is still a write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcreplay/bytes.h>
#include "engine.h"
#include "journal/jbd2_format.h"
#include "unit.h"

static char *dir, img[4096];

static void setup(void) {
        char cmd[8192];

        dir = unit_mkdtemp();
        snprintf(img, sizeof(img), "%s/crash.img", dir);
        snprintf(cmd, sizeof(cmd), "gunzip -c '%s/fc-plain/crash.img.gz' > '%s'", UNIT_FIXTURES, img);
        ck_assert_msg(system(cmd) == 0, "cannot unpack the fixture");
}

static void teardown(void) {
        unit_rmtree(dir);
        free(dir);
}

static uint8_t *slurp(size_t *ret_len) {
        FILE *f = fopen(img, "rb");
        uint8_t *b;
        long n;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        b = malloc(n);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(fread(b, 1, n, f), (size_t) n);
        fclose(f);
        *ret_len = n;
        return b;
}

static struct fcr_engine_opts opts(void) {
        return (struct fcr_engine_opts) { .device = img, .plugin_dir = UNIT_REAL_PLUGIN_DIR };
}

START_TEST(replay_writes_and_says_so) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};

        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        ck_assert(!fcr_engine_wrote(e));
        ck_assert_int_eq(fcr_engine_plan(e, &d), 0);
        ck_assert_int_eq(e->state, FCR_STATE_REPLAY);
        ck_assert_uint_gt(e->fc.nr_commits, 0);
        ck_assert_uint_gt(fcr_engine_blocks_to_write(e), 0);
        ck_assert(!fcr_engine_wrote(e));
        ck_assert_int_eq(fcr_engine_apply(e, &d), 0);
        ck_assert(fcr_engine_wrote(e));
        ck_assert(e->applied);
        fcr_engine_free(e);

        /* Replayed: a second run finds nothing to do and writes nothing. */
        e = NULL;
        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        ck_assert_int_eq(fcr_engine_apply(e, &d), 0);
        ck_assert_int_eq(e->state, FCR_STATE_CLEAN);
        ck_assert(!fcr_engine_wrote(e));
        fcr_engine_free(e);
        ck_assert(!fcr_engine_wrote(NULL));
}
END_TEST

START_TEST(planning_writes_nothing) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};
        size_t n0, n1;
        uint8_t *before = slurp(&n0), *after;

        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        ck_assert_int_eq(fcr_engine_plan(e, &d), 0);
        ck_assert_ptr_nonnull(e->replay);
        /* The commit apply will log was collected and checked here. */
        ck_assert_uint_gt(e->nr_commit, 0);
        ck_assert_uint_eq(e->nr_commit, fcr_engine_blocks_to_write(e) - e->plan.nr_writes);
        fcr_engine_free(e);
        after = slurp(&n1);
        ck_assert_uint_eq(n0, n1);
        ck_assert(memcmp(before, after, n0) == 0);
        free(before);
        free(after);
}
END_TEST

START_TEST(read_only_apply_refused_before_writing) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};

        o.read_only = o.inspect_only = true;
        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        ck_assert_int_eq(fcr_engine_apply(e, &d), -EROFS);
        ck_assert(!fcr_engine_wrote(e));
        fcr_engine_free(e);
}
END_TEST

/* The journal superblock's magic, broken in place. */
static void break_journal_superblock(void) {
        ext2_filsys fs = NULL;
        blk64_t phys = 0;
        uint8_t *buf;
        FILE *f;

        ck_assert_int_eq(ext2fs_open2(img, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs), 0);
        ck_assert_int_eq(ext2fs_bmap2(fs, fs->super->s_journal_inum, NULL, NULL, 0, 0, NULL, &phys), 0);
        ck_assert_uint_ne(phys, 0);
        buf = malloc(fs->blocksize);
        ck_assert_ptr_nonnull(buf);
        f = fopen(img, "r+b");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fseek(f, (long) (phys * fs->blocksize), SEEK_SET), 0);
        ck_assert_uint_eq(fread(buf, 1, fs->blocksize, f), fs->blocksize);
        ck_assert_uint_eq(get_be32(buf + JBD2_H_MAGIC), JBD2_MAGIC);
        put_be32(buf + JBD2_H_MAGIC, 0x12345678);
        ck_assert_int_eq(fseek(f, (long) (phys * fs->blocksize), SEEK_SET), 0);
        ck_assert_uint_eq(fwrite(buf, 1, fs->blocksize, f), fs->blocksize);
        fclose(f);
        free(buf);
        ext2fs_close_free(&fs);
}

START_TEST(invalid_journal_refused_with_nothing_written) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};
        size_t n0, n1;
        uint8_t *before, *after;
        int r;

        break_journal_superblock();
        before = slurp(&n0);
        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        r = fcr_engine_apply(e, &d);
        ck_assert(fcr_is_refusal(r));
        ck_assert_int_eq(d.err, r);
        ck_assert_contains(d.msg, "bad magic");
        ck_assert(!fcr_engine_wrote(e));
        fcr_engine_free(e);
        after = slurp(&n1);
        ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
        free(before);
        free(after);
}
END_TEST

/* An I/O manager whose writes fail with a libext2fs code the engine does
 * not know: fcr_errcode_to_errno makes it -EUCLEAN, a "refusal" errno. */
static struct struct_io_manager failing;

static errcode_t fail_write_blk(io_channel ch, unsigned long b, int n, const void *buf) {
        return EXT2_ET_UNIMPLEMENTED;
}

static errcode_t fail_write_blk64(io_channel ch, unsigned long long b, int n, const void *buf) {
        return EXT2_ET_UNIMPLEMENTED;
}

static errcode_t fail_write_byte(io_channel ch, unsigned long off, int n, const void *buf) {
        return EXT2_ET_UNIMPLEMENTED;
}

/* The engine names its descriptor: the manager to wrap is unixfd's. */
static errcode_t failing_open(const char *name, int flags, io_channel *ret) {
        errcode_t e = unixfd_io_manager->open(name, flags, ret);

        if (!e)
                (*ret)->manager = &failing;
        return e;
}

START_TEST(failure_after_writing_began_is_not_nothing_written) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};
        int r;

        failing = *unixfd_io_manager;
        failing.name = "failing writes";
        failing.open = failing_open;
        failing.write_blk = fail_write_blk;
        failing.write_blk64 = fail_write_blk64;
        failing.write_byte = fail_write_byte;
        o.io_manager = &failing;
        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        ck_assert_int_eq(fcr_engine_plan(e, &d), 0);
        ck_assert(!fcr_engine_wrote(e));
        r = fcr_engine_apply(e, &d);
        ck_assert_int_eq(r, -EUCLEAN);
        ck_assert_contains(d.msg, "cannot write");
        /* The errno reads as a refusal; the flag says what happened. */
        ck_assert(fcr_engine_wrote(e));
        ck_assert(!e->applied);
        fcr_engine_free(e);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("engine");
        TCase *tc = tcase_create("engine");

        tcase_set_timeout(tc, 60);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, replay_writes_and_says_so);
        tcase_add_test(tc, planning_writes_nothing);
        tcase_add_test(tc, read_only_apply_refused_before_writing);
        tcase_add_test(tc, invalid_journal_refused_with_nothing_written);
        tcase_add_test(tc, failure_after_writing_began_is_not_nothing_written);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
