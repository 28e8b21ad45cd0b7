/* lib/jbd2_super.c: parsing and validating the journal superblock, the
 * derived geometry (log and fast-commit areas, tag size, checksum seed),
 * marking it empty, and feature names. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "journal/jbd2_super.h"
#include "unit.h"

#define BS 4096
#define CSUM3 JBD2_FEATURE_INCOMPAT_CSUM_V3
#define CSUM2 JBD2_FEATURE_INCOMPAT_CSUM_V2
#define FC JBD2_FEATURE_INCOMPAT_FAST_COMMIT

static uint8_t buf[JSB_SIZE];
static struct jbd2_super sb;
static struct fcr_diag diag;

static int parse(const struct sb_opts *o, uint64_t nblocks) {
        make_jsb(buf, o);
        memset(&sb, 0, sizeof(sb));
        memset(&diag, 0, sizeof(diag));
        return jbd2_super_parse(buf, BS, nblocks, &sb, &diag);
}

START_TEST(v2_with_csum_v3_and_fast_commit_default_area) {
        struct sb_opts o = { .bs = BS, .maxlen = 2048, .sequence = 77, .start = 5,
                             .incompat = CSUM3 | FC | JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT };

        ck_assert_int_eq(parse(&o, 2048), 0);
        ck_assert_uint_eq(sb.blocktype, 4);
        ck_assert_uint_eq(sb.blocksize, BS);
        ck_assert_uint_eq(sb.maxlen, 2048);
        ck_assert_uint_eq(sb.first, 1);
        ck_assert_uint_eq(sb.sequence, 77);
        ck_assert_uint_eq(sb.start, 5);
        ck_assert_uint_eq(sb.nr_users, 1);
        ck_assert_mem_eq(sb.uuid, test_uuid, 16);
        /* s_num_fc_blks 0 means 256. */
        ck_assert_uint_eq(sb.num_fc_blks, 0);
        ck_assert_uint_eq(sb.log_end, 2048 - 256);
        ck_assert_uint_eq(sb.fc_first, 2048 - 256 + 1);
        ck_assert_uint_eq(sb.fc_end, 2048);
        ck_assert(sb.csum_v2v3);
        ck_assert_uint_eq(sb.csum_seed, ref_crc32c(~0U, test_uuid, 16));
        ck_assert_uint_eq(sb.tag_bytes, 16);
        ck_assert_uint_eq(sb.checksum, get_be32(buf + JSB_CHECKSUM));
}
END_TEST

START_TEST(explicit_fc_blocks) {
        struct sb_opts o = { .bs = BS, .maxlen = 1100, .incompat = FC, .nfc = 64 };

        ck_assert_int_eq(parse(&o, 5000), 0);
        ck_assert_uint_eq(sb.num_fc_blks, 64);
        ck_assert_uint_eq(sb.log_end, 1036);
        ck_assert_uint_eq(sb.fc_first, 1037);
        ck_assert_uint_eq(sb.fc_end, 1100);
        ck_assert(!sb.csum_v2v3);
}
END_TEST

START_TEST(no_fast_commit_means_no_area) {
        /* s_num_fc_blks is ignored without the feature. */
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .nfc = 64 };

        ck_assert_int_eq(parse(&o, 1024), 0);
        ck_assert_uint_eq(sb.log_end, 1024);
        ck_assert_uint_eq(sb.fc_first, sb.fc_end);
        ck_assert_uint_eq(sb.fc_end, 1024);
}
END_TEST

START_TEST(fc_area_too_big) {
        /* 256 default fc blocks leave fewer than 1024 for the log. */
        struct sb_opts o = { .bs = BS, .maxlen = 1100, .incompat = FC };

        ck_assert_int_eq(parse(&o, 1100), -EUCLEAN);
        ck_assert_contains(diag.msg, "too short");
        o.maxlen = 1024 + 256;
        ck_assert_int_eq(parse(&o, 1280), 0);
        ck_assert_uint_eq(sb.log_end, 1024);
        o.nfc = 257;
        ck_assert_int_eq(parse(&o, 1280), -EUCLEAN);
}
END_TEST

START_TEST(v1_superblock) {
        struct sb_opts o = { .blocktype = JBD2_SUPERBLOCK_V1, .bs = BS, .maxlen = 1024, .sequence = 9 };

        make_jsb(buf, &o);
        /* v1 has no feature fields: whatever is there is ignored. */
        put_be32(buf + JSB_FEATURE_INCOMPAT, 0xffffffffU);
        put_be32(buf + JSB_FEATURE_COMPAT, 0xffffffffU);
        put_be32(buf + JSB_FEATURE_RO_COMPAT, 0xffffffffU);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, &diag), 0);
        ck_assert_uint_eq(sb.blocktype, 3);
        ck_assert_uint_eq(sb.incompat, 0);
        ck_assert_uint_eq(sb.compat, 0);
        ck_assert_uint_eq(sb.tag_bytes, 8);
        ck_assert(!sb.csum_v2v3);
        ck_assert_uint_eq(sb.fc_first, sb.fc_end);
        ck_assert(!jbd2_has_incompat(&sb, JBD2_FEATURE_INCOMPAT_64BIT));
}
END_TEST

START_TEST(tag_sizes) {
        static const struct { uint32_t incompat; unsigned bytes; } cases[] = {
                { 0, 8 },
                { JBD2_FEATURE_INCOMPAT_64BIT, 12 },
                { CSUM2, 10 },
                { CSUM2 | JBD2_FEATURE_INCOMPAT_64BIT, 14 },
                { CSUM3, 16 },
                { CSUM3 | JBD2_FEATURE_INCOMPAT_64BIT, 16 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = cases[i].incompat };

                ck_assert_int_eq(parse(&o, 1024), 0);
                ck_assert_msg(sb.tag_bytes == cases[i].bytes, "incompat 0x%x: tag %u bytes, want %u",
                              cases[i].incompat, sb.tag_bytes, cases[i].bytes);
        }
}
END_TEST

START_TEST(bad_magic) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024 };

        make_jsb(buf, &o);
        put_be32(buf, 0xC03B3999U);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, &diag), -EUCLEAN);
        ck_assert_contains(diag.msg, "bad magic");
        ck_assert_contains(diag.msg, "0xc03b3999");
}
END_TEST

START_TEST(bad_blocktype) {
        struct sb_opts o = { .blocktype = JBD2_DESCRIPTOR_BLOCK, .bs = BS, .maxlen = 1024 };

        ck_assert_int_eq(parse(&o, 1024), -EUCLEAN);
        ck_assert_contains(diag.msg, "unknown block type 1");
}
END_TEST

START_TEST(blocksize_mismatch) {
        struct sb_opts o = { .bs = 1024, .maxlen = 1024 };

        ck_assert_int_eq(parse(&o, 1024), -EUCLEAN);
        ck_assert_contains(diag.msg, "block size 1024");
        ck_assert_contains(diag.msg, "4096");
}
END_TEST

START_TEST(maxlen_bounds) {
        struct sb_opts o = { .bs = BS, .maxlen = 2000 };

        ck_assert_int_eq(parse(&o, 1999), -EUCLEAN);
        ck_assert_contains(diag.msg, "2000 blocks");
        ck_assert_contains(diag.msg, "1999");
        ck_assert_int_eq(parse(&o, 2000), 0);
        o.maxlen = 1023;
        ck_assert_int_eq(parse(&o, 2000), -EUCLEAN);
        ck_assert_contains(diag.msg, "too short");
}
END_TEST

START_TEST(first_bounds) {
        struct sb_opts o = { .bs = BS, .maxlen = 1100, .incompat = FC, .nfc = 50 };

        make_jsb(buf, &o);
        put_be32(buf + JSB_FIRST, 0);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1100, &sb, &diag), -EUCLEAN);
        ck_assert_contains(diag.msg, "first log block 0");
        /* first must lie below the log's end (1050), not the journal's. */
        o.first = 1050;
        ck_assert_int_eq(parse(&o, 1100), -EUCLEAN);
        ck_assert_contains(diag.msg, "first log block 1050");
        o.first = 1049;
        ck_assert_int_eq(parse(&o, 1100), 0);
}
END_TEST

START_TEST(start_bounds) {
        struct sb_opts o = { .bs = BS, .maxlen = 1100, .first = 10, .incompat = FC, .nfc = 50 };

        o.start = 9;
        ck_assert_int_eq(parse(&o, 1100), -EUCLEAN);
        ck_assert_contains(diag.msg, "log start 9");
        o.start = 1050;
        ck_assert_int_eq(parse(&o, 1100), -EUCLEAN);
        o.start = 10;
        ck_assert_int_eq(parse(&o, 1100), 0);
        o.start = 1049;
        ck_assert_int_eq(parse(&o, 1100), 0);
        o.start = 0;
        ck_assert_int_eq(parse(&o, 1100), 0);
}
END_TEST

START_TEST(unknown_incompat_refused) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = 0x40 | JBD2_FEATURE_INCOMPAT_REVOKE };

        ck_assert_int_eq(parse(&o, 1024), -EOPNOTSUPP);
        ck_assert_contains(diag.msg, "unknown incompatible features 0x40");
        ck_assert(fcr_is_refusal(-EOPNOTSUPP));
}
END_TEST

START_TEST(unknown_ro_compat_refused) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .ro_compat = 0x1 };

        ck_assert_int_eq(parse(&o, 1024), -EOPNOTSUPP);
        ck_assert_contains(diag.msg, "read-only features 0x1");
}
END_TEST

START_TEST(csum_mismatch_refused) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = CSUM3, .bad_csum = true };

        ck_assert_int_eq(parse(&o, 1024), -EBADMSG);
        ck_assert_contains(diag.msg, "checksum mismatch");
        /* Any change after the checksum was computed is caught too. */
        o.bad_csum = false;
        make_jsb(buf, &o);
        put_be32(buf + JSB_SEQUENCE, 1234);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, &diag), -EBADMSG);
        fix_jsb_csum(buf);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, &diag), 0);
        ck_assert_uint_eq(sb.sequence, 1234);
        ck_assert(fcr_is_refusal(-EBADMSG));
}
END_TEST

START_TEST(csum_v2_verified_too) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = CSUM2, .bad_csum = true };

        ck_assert_int_eq(parse(&o, 1024), -EBADMSG);
        o.bad_csum = false;
        ck_assert_int_eq(parse(&o, 1024), 0);
}
END_TEST

START_TEST(csum_not_checked_without_feature) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024 };

        make_jsb(buf, &o);
        put_be32(buf + JSB_CHECKSUM, 0xdeadbeef);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, &diag), 0);
}
END_TEST

START_TEST(csum_type_not_crc32c) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = CSUM3, .csum_type = 1 };

        ck_assert_int_eq(parse(&o, 1024), -EOPNOTSUPP);
        ck_assert_contains(diag.msg, "checksum type 1");
}
END_TEST

START_TEST(both_v2_and_v3) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = CSUM2 | CSUM3 };

        ck_assert_int_eq(parse(&o, 1024), -EUCLEAN);
        ck_assert_contains(diag.msg, "both checksum v2 and v3");
}
END_TEST

START_TEST(v1_and_v3_checksums) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .incompat = CSUM3,
                             .compat = JBD2_FEATURE_COMPAT_CHECKSUM };

        ck_assert_int_eq(parse(&o, 1024), -EUCLEAN);
        ck_assert_contains(diag.msg, "v1 and v2/v3");
}
END_TEST

START_TEST(null_diag_is_allowed) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024 };

        make_jsb(buf, &o);
        put_be32(buf, 0);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, NULL), -EUCLEAN);
}
END_TEST

START_TEST(mark_empty_v3) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .sequence = 10, .start = 3, .incompat = CSUM3 };
        struct jbd2_super after;

        ck_assert_int_eq(parse(&o, 1024), 0);
        put_be32(buf + JSB_ERRNO, (uint32_t) -5);
        fix_jsb_csum(buf);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &sb, &diag), 0);
        ck_assert_int_eq(sb.errnum, -5);
        jbd2_super_mark_empty(buf, &sb, 15);
        ck_assert_int_eq(jbd2_super_parse(buf, BS, 1024, &after, &diag), 0);
        ck_assert_uint_eq(after.start, 0);
        ck_assert_uint_eq(after.sequence, 15);
        ck_assert_int_eq(after.errnum, 0);
        {
                uint8_t copy[JSB_SIZE];

                memcpy(copy, buf, sizeof(copy));
                memset(copy + JSB_CHECKSUM, 0, 4);
                ck_assert_uint_eq(get_be32(buf + JSB_CHECKSUM), ref_crc32c(~0U, copy, sizeof(copy)));
        }
}
END_TEST

START_TEST(mark_empty_no_csum_leaves_checksum_field) {
        struct sb_opts o = { .bs = BS, .maxlen = 1024, .sequence = 10, .start = 3 };

        ck_assert_int_eq(parse(&o, 1024), 0);
        put_be32(buf + JSB_CHECKSUM, 0x11223344);
        jbd2_super_mark_empty(buf, &sb, 11);
        ck_assert_uint_eq(get_be32(buf + JSB_START), 0);
        ck_assert_uint_eq(get_be32(buf + JSB_SEQUENCE), 11);
        ck_assert_uint_eq(get_be32(buf + JSB_CHECKSUM), 0x11223344);
}
END_TEST

START_TEST(feature_names) {
        struct sb_opts o = { .bs = BS, .maxlen = 2048,
                             .incompat = CSUM3 | FC | JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT };
        char out[256], small[10];

        ck_assert_int_eq(parse(&o, 2048), 0);
        jbd2_feature_names(&sb, out, sizeof(out));
        ck_assert_str_eq(out, "revoke 64bit checksum_v3 fast_commit");
        /* Truncation stays inside the buffer. */
        memset(small, 'x', sizeof(small));
        jbd2_feature_names(&sb, small, sizeof(small));
        ck_assert_uint_lt(strlen(small), sizeof(small));
        ck_assert_str_eq(small, "revoke 64");
        o.incompat = 0;
        ck_assert_int_eq(parse(&o, 2048), 0);
        jbd2_feature_names(&sb, out, sizeof(out));
        ck_assert_str_eq(out, "");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("jbd2_super");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, v2_with_csum_v3_and_fast_commit_default_area);
        tcase_add_test(tc, explicit_fc_blocks);
        tcase_add_test(tc, no_fast_commit_means_no_area);
        tcase_add_test(tc, fc_area_too_big);
        tcase_add_test(tc, v1_superblock);
        tcase_add_test(tc, tag_sizes);
        tcase_add_test(tc, bad_magic);
        tcase_add_test(tc, bad_blocktype);
        tcase_add_test(tc, blocksize_mismatch);
        tcase_add_test(tc, maxlen_bounds);
        tcase_add_test(tc, first_bounds);
        tcase_add_test(tc, start_bounds);
        tcase_add_test(tc, unknown_incompat_refused);
        tcase_add_test(tc, unknown_ro_compat_refused);
        tcase_add_test(tc, csum_mismatch_refused);
        tcase_add_test(tc, csum_v2_verified_too);
        tcase_add_test(tc, csum_not_checked_without_feature);
        tcase_add_test(tc, csum_type_not_crc32c);
        tcase_add_test(tc, both_v2_and_v3);
        tcase_add_test(tc, v1_and_v3_checksums);
        tcase_add_test(tc, null_diag_is_allowed);
        suite_add_tcase(s, tc);
        tc = tcase_create("update");
        tcase_add_test(tc, mark_empty_v3);
        tcase_add_test(tc, mark_empty_no_csum_leaves_checksum_field);
        tcase_add_test(tc, feature_names);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
