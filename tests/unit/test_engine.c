/* lib/engine.c: scan, plan and apply on a copy of a shipped crash image.
 * Planning writes nothing (the image is compared byte for byte); the
 * engine's "wrote" flag is false until apply begins writing and true
 * after, whatever the errno of a failure says: a libext2fs error that
 * maps to a "refusal" errno after writing began is still a write. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>
#include <fcreplay/bytes.h>
#include <fcreplay/util.h>
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

/* Another program writes to the image between planning and the first
 * write: xor the byte at offset. */
static void poke(uint64_t offset) {
        FILE *f = fopen(img, "r+b");
        int c;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fseek(f, (long) offset, SEEK_SET), 0);
        c = fgetc(f);
        ck_assert_int_ne(c, EOF);
        ck_assert_int_eq(fseek(f, (long) offset, SEEK_SET), 0);
        ck_assert_int_eq(fputc(c ^ 0x5a, f), c ^ 0x5a);
        fclose(f);
}

/* Planned, then what is on the disk changes (the test's change): apply
 * refuses with -ESTALE and why, before writing anything. */
static void refused_after(void (*change)(struct fcr_engine *e), const char *why) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};
        uint8_t *before, *after;
        size_t n0, n1;

        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), 0);
        ck_assert_int_eq(fcr_engine_plan(e, &d), 0);
        change(e);
        before = slurp(&n0);
        ck_assert_int_eq(fcr_engine_apply(e, &d), -ESTALE);
        ck_assert_contains(d.msg, why);
        ck_assert_contains(d.msg, "nothing written");
        ck_assert(!fcr_engine_wrote(e));
        fcr_engine_free(e);
        after = slurp(&n1);
        ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
        free(before);
        free(after);
}

static void change_superblock(struct fcr_engine *e) {
        poke(SUPERBLOCK_OFFSET + 0x30);         /* s_wtime */
}

static void change_journal_superblock(struct fcr_engine *e) {
        poke(fcr_journal_phys(e->journal, 0) * e->journal->blocksize + JSB_ERRNO + 3);
}

static void grow_image(struct fcr_engine *e) {
        ck_assert_int_eq(truncate(img, (off_t) e->dev.size + 4096), 0);
}

START_TEST(superblock_written_before_the_first_write_is_refused) {
        refused_after(change_superblock, "the superblock of");
}
END_TEST

START_TEST(journal_superblock_written_before_the_first_write_is_refused) {
        refused_after(change_journal_superblock, "the journal superblock of");
}
END_TEST

START_TEST(image_resized_before_the_first_write_is_refused) {
        refused_after(grow_image, "changed since it was opened");
}
END_TEST

/* What the caller probed, checked at open: -ESTALE, the reason named. */
static void expect_open(const struct fcr_expect *x, int want, const char *why) {
        struct fcr_engine_opts o = opts();
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};

        o.expect = *x;
        ck_assert_int_eq(fcr_engine_open(&o, &e, &d), want);
        if (want < 0) {
                ck_assert_ptr_null(e);
                ck_assert_contains(d.msg, why);
        }
        fcr_engine_free(e);
}

START_TEST(expected_identity_is_checked_at_open) {
        ext2_filsys fs = NULL;
        char uuid[37];

        ck_assert_int_eq(ext2fs_open2(img, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs), 0);
        fcr_uuid_str(fs->super->s_uuid, uuid);
        ext2fs_close_free(&fs);
        expect_open(&(struct fcr_expect) { .uuid = "00000000-0000-0000-0000-000000000000" }, -ESTALE,
                    "not the 00000000-0000-0000-0000-000000000000 that was probed");
        /* An image has no device number, and no disk sequence number. */
        expect_open(&(struct fcr_expect) { .devnum = makedev(7, 0) }, -ESTALE, "is device 0:0, not the 7:0");
        expect_open(&(struct fcr_expect) { .diskseq = 9 }, -ESTALE, "disk sequence number 0, probed 9");
        for (char *p = uuid; *p; p++)
                *p = (char) toupper((unsigned char) *p);
        expect_open(&(struct fcr_expect) { .uuid = uuid }, 0, NULL);
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
        tcase_add_test(tc, superblock_written_before_the_first_write_is_refused);
        tcase_add_test(tc, journal_superblock_written_before_the_first_write_is_refused);
        tcase_add_test(tc, image_resized_before_the_first_write_is_refused);
        tcase_add_test(tc, expected_identity_is_checked_at_open);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
