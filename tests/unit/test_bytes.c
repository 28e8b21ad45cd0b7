/* Byte order: known big-endian (jbd2) and little-endian (ext4, fast
 * commits) structures decoded from literal bytes, never from bytes the
 * same helpers wrote.  On a little-endian host this pins what the helpers
 * mean; CI runs it on big-endian s390x too (tests/foreign, .ci/run),
 * where a field read in host order instead of disk order fails here.  New
 * on-disk decoding code belongs in such a test. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "journal/jbd2_super.h"
#include "unit.h"

static const uint8_t be_header[] = { 0xC0, 0x3B, 0x39, 0x98, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x02, 0x03 };

START_TEST(big_endian_fields) {
        static const uint8_t b64[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

        ck_assert_uint_eq(get_be32(be_header + JBD2_H_MAGIC), JBD2_MAGIC);
        ck_assert_uint_eq(get_be32(be_header + JBD2_H_BLOCKTYPE), 4);
        ck_assert_uint_eq(get_be32(be_header + JBD2_H_SEQUENCE), 0x00010203);
        ck_assert_uint_eq(get_be16(be_header + 2), 0x3998);
        ck_assert_uint_eq(get_be64(b64), 0x0102030405060708ULL);
}
END_TEST

START_TEST(little_endian_fields) {
        /* ext4's superblock magic (0xEF53) at its offset 0x38, as on disk. */
        static const uint8_t le[] = { 0x53, 0xEF, 0x0A, 0xF3, 0x04, 0x00, 0x00, 0x80 };

        ck_assert_uint_eq(get_le16(le), 0xEF53);
        ck_assert_uint_eq(get_le16(le + 2), 0xF30A);          /* the extent header's magic */
        ck_assert_uint_eq(get_le32(le + 4), 0x80000004U);
}
END_TEST

START_TEST(writers_give_disk_order) {
        uint8_t b[4];

        put_be32(b, JBD2_MAGIC);
        ck_assert_mem_eq(b, be_header, 4);
        put_le32(b, 0x80000004U);
        ck_assert_mem_eq(b, ((const uint8_t[]) { 0x04, 0x00, 0x00, 0x80 }), 4);
        put_le16(b, 0xF30A);
        ck_assert_mem_eq(b, ((const uint8_t[]) { 0x0A, 0xF3 }), 2);
}
END_TEST

/* A version-2 journal superblock, byte by byte as jbd2 writes it. */
START_TEST(jbd2_superblock_from_bytes) {
        static uint8_t buf[JSB_SIZE];
        static const uint8_t fields[] = {
                0xC0, 0x3B, 0x39, 0x98, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, /* header, v2 */
                0x00, 0x00, 0x10, 0x00,         /* s_blocksize 4096 */
                0x00, 0x00, 0x08, 0x00,         /* s_maxlen 2048 */
                0x00, 0x00, 0x00, 0x01,         /* s_first 1 */
                0x12, 0x34, 0x56, 0x78,         /* s_sequence */
                0x00, 0x00, 0x00, 0x05,         /* s_start 5 */
                0x00, 0x00, 0x00, 0x00,         /* s_errno */
                0x00, 0x00, 0x00, 0x00,         /* compat */
                0x00, 0x00, 0x00, 0x03,         /* incompat: revoke, 64bit */
                0x00, 0x00, 0x00, 0x00,         /* ro_compat */
        };
        struct jbd2_super s;
        struct fcr_diag d = {};

        memcpy(buf, fields, sizeof(fields));
        buf[JSB_UUID] = 0xAB;
        buf[0x43] = 1;                  /* s_nr_users, big-endian 1 */
        ck_assert_int_eq(jbd2_super_parse(buf, 4096, 2048, &s, &d), 0);
        ck_assert_uint_eq(s.blocktype, 4);
        ck_assert_uint_eq(s.blocksize, 4096);
        ck_assert_uint_eq(s.maxlen, 2048);
        ck_assert_uint_eq(s.first, 1);
        ck_assert_uint_eq(s.sequence, 0x12345678);
        ck_assert_uint_eq(s.start, 5);
        ck_assert_uint_eq(s.incompat, JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT);
        ck_assert_uint_eq(s.nr_users, 1);
        ck_assert_uint_eq(s.uuid[0], 0xAB);
}
END_TEST

/* A fast-commit CREAT/LINK/UNLINK value: le32 parent, le32 inode, name. */
START_TEST(fast_commit_dentry_from_bytes) {
        static const uint8_t v[] = { 0x02, 0x00, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 'a', 'b' };
        struct fcr_dentry e;

        ck_assert(fcr_dentry_parse(v, sizeof(v), 0, &e));
        ck_assert_uint_eq(e.parent, 2);
        ck_assert_uint_eq(e.ino, 0x10C);
        ck_assert_uint_eq(e.name_len, 2);
        ck_assert_mem_eq(e.name, "ab", 2);
        ck_assert(!fcr_dentry_parse(v, sizeof(v), 0x100, &e));     /* ino 268 > 256 inodes */
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("bytes");
        TCase *tc = tcase_create("bytes");

        tcase_add_test(tc, big_endian_fields);
        tcase_add_test(tc, little_endian_fields);
        tcase_add_test(tc, writers_give_disk_order);
        tcase_add_test(tc, jbd2_superblock_from_bytes);
        tcase_add_test(tc, fast_commit_dentry_from_bytes);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
