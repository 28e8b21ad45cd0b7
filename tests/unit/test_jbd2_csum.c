/* lib/jbd2_csum.c: crc32c and crc32_be as jbd2 uses them (raw: the caller
 * supplies the seed and nothing is inverted at the end), the skip-field
 * variant, the journal seed and the data block checksum. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_csum.h"
#include "unit.h"

static const char check_str[] = "123456789";

START_TEST(crc32c_standard_vector) {
        /* CRC-32C (Castagnoli) check value: init ~0, final xor ~0. */
        ck_assert_uint_eq(fcr_crc32c(~0U, check_str, 9) ^ ~0U, 0xE3069283U);
        /* jbd2 uses it raw: crc32c(~0, ...) without the final xor. */
        ck_assert_uint_eq(fcr_crc32c(~0U, check_str, 9), 0x1CF96D7CU);
}
END_TEST

START_TEST(crc32c_more_vectors) {
        uint8_t zeros[32] = {}, ones[32];

        memset(ones, 0xff, sizeof(ones));
        /* RFC 3720 (iSCSI) B.4 vectors. */
        ck_assert_uint_eq(fcr_crc32c(~0U, zeros, 32) ^ ~0U, 0x8A9136AAU);
        ck_assert_uint_eq(fcr_crc32c(~0U, ones, 32) ^ ~0U, 0x62A8AB43U);
        /* Empty input returns the seed unchanged; seed 0 over zeros stays 0. */
        ck_assert_uint_eq(fcr_crc32c(0x12345678U, check_str, 0), 0x12345678U);
        ck_assert_uint_eq(fcr_crc32c(0, zeros, 32), 0);
}
END_TEST

START_TEST(crc32c_matches_reference_and_chains) {
        uint8_t buf[4096];

        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t) (i * 131 + 7);
        for (size_t len = 0; len < sizeof(buf); len += 509)
                ck_assert_uint_eq(fcr_crc32c(0xdeadbeef, buf, len), ref_crc32c(0xdeadbeef, buf, len));
        /* Incremental == one shot. */
        ck_assert_uint_eq(fcr_crc32c(fcr_crc32c(~0U, buf, 1000), buf + 1000, 3096),
                          fcr_crc32c(~0U, buf, 4096));
}
END_TEST

START_TEST(crc32_be_vector) {
        /* CRC-32/BZIP2 check value (init ~0, final xor ~0), and raw as
         * CRC-32/MPEG-2. */
        ck_assert_uint_eq(fcr_crc32_be(~0U, check_str, 9) ^ ~0U, 0xFC891918U);
        ck_assert_uint_eq(fcr_crc32_be(~0U, check_str, 9), 0x0376E6E7U);
        ck_assert_uint_eq(fcr_crc32_be(1, check_str, 9), ref_crc32_be(1, check_str, 9));
}
END_TEST

START_TEST(crc32c_skip_zeroes_field) {
        uint8_t buf[1024], copy[1024];

        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t) (i ^ 0x5a);
        memcpy(copy, buf, sizeof(buf));
        memset(copy + 0xFC, 0, 4);
        ck_assert_uint_eq(fcr_crc32c_skip(~0U, buf, sizeof(buf), 0xFC), ref_crc32c(~0U, copy, sizeof(copy)));
        /* buf itself is untouched. */
        ck_assert_uint_eq(buf[0xFC], 0xFC ^ 0x5a);
        /* The field at the very start and at the very end. */
        memcpy(copy, buf, sizeof(buf));
        memset(copy, 0, 4);
        ck_assert_uint_eq(fcr_crc32c_skip(7, buf, sizeof(buf), 0), ref_crc32c(7, copy, sizeof(copy)));
        memcpy(copy, buf, sizeof(buf));
        memset(copy + 1020, 0, 4);
        ck_assert_uint_eq(fcr_crc32c_skip(7, buf, sizeof(buf), 1020), ref_crc32c(7, copy, sizeof(copy)));
}
END_TEST

START_TEST(jbd2_seed_is_crc_of_uuid) {
        uint8_t uuid[16];

        for (int i = 0; i < 16; i++)
                uuid[i] = (uint8_t) (i * 17);
        ck_assert_uint_eq(fcr_jbd2_seed(uuid), ref_crc32c(~0U, uuid, 16));
        uuid[15] ^= 1;
        ck_assert_uint_ne(fcr_jbd2_seed(uuid), ref_crc32c(~0U, (uint8_t[16]) { 0 }, 16));
}
END_TEST

START_TEST(jbd2_data_csum_covers_be_sequence) {
        uint8_t data[1024], seq[4];
        uint32_t seed = fcr_jbd2_seed(test_uuid), want;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) i;
        put_be32(seq, 0x01020304);
        want = ref_crc32c(ref_crc32c(seed, seq, 4), data, sizeof(data));
        ck_assert_uint_eq(fcr_jbd2_data_csum(seed, 0x01020304, data, sizeof(data)), want);
        /* Byte order of the tid matters: little-endian would differ. */
        ck_assert_uint_ne(fcr_jbd2_data_csum(seed, 0x04030201, data, sizeof(data)), want);
}
END_TEST

/* A crafted block with a checksum tail verifies; flipping any bit of the
 * body breaks it. */
START_TEST(block_tail_verification) {
        uint8_t blk[4096];
        uint32_t seed = fcr_jbd2_seed(test_uuid), stored;

        for (size_t i = 0; i < sizeof(blk); i++)
                blk[i] = (uint8_t) (i * 7);
        memset(blk + 4092, 0, 4);
        stored = ref_crc32c(seed, blk, sizeof(blk));
        put_be32(blk + 4092, stored);
        ck_assert_uint_eq(fcr_crc32c_skip(seed, blk, sizeof(blk), 4092), get_be32(blk + 4092));
        blk[100] ^= 0x10;
        ck_assert_uint_ne(fcr_crc32c_skip(seed, blk, sizeof(blk), 4092), get_be32(blk + 4092));
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("jbd2_csum");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, crc32c_standard_vector);
        tcase_add_test(tc, crc32c_more_vectors);
        tcase_add_test(tc, crc32c_matches_reference_and_chains);
        tcase_add_test(tc, crc32_be_vector);
        tcase_add_test(tc, crc32c_skip_zeroes_field);
        tcase_add_test(tc, jbd2_seed_is_crc_of_uuid);
        tcase_add_test(tc, jbd2_data_csum_covers_be_sequence);
        tcase_add_test(tc, block_tail_verification);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
