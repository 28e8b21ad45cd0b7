/* lib/fc_decode.c: a validated tag's value into named fields. */
#include <string.h>
#include "bytes.h"
#include "fastcommit/fc_decode.h"
#include "fastcommit/fc_format.h"
#include "unit.h"

static struct fc_tag_info decode(uint16_t tag, const uint8_t *v, uint16_t len) {
        struct fc_tag t = { .tag = tag, .len = len, .value = v };
        struct fc_tag_info i;

        memset(&i, 0xa5, sizeof(i));
        fc_tag_decode(&t, &i);
        return i;
}

START_TEST(add_range_written) {
        uint8_t v[16];
        struct fc_tag_info i;

        put_le32(v, 77);
        put_le32(v + 4, 1000);
        put_le16(v + 8, 32768);         /* the longest written extent */
        put_le16(v + 10, 0x0012);
        put_le32(v + 12, 0x34567890);
        i = decode(FC_TAG_ADD_RANGE, v, 16);
        ck_assert_uint_eq(i.ino, 77);
        ck_assert_uint_eq(i.lblk, 1000);
        ck_assert_uint_eq(i.len, 32768);
        ck_assert(!i.unwritten);
        ck_assert_uint_eq(i.pblk, 0x1234567890ULL);
        ck_assert_uint_eq(i.parent, 0);
        ck_assert_str_eq(i.name, "");
}
END_TEST

START_TEST(add_range_unwritten) {
        uint8_t v[16] = {};
        struct fc_tag_info i;

        put_le32(v, 5);
        put_le16(v + 8, 32768 + 7);
        put_le32(v + 12, 4242);
        i = decode(FC_TAG_ADD_RANGE, v, 16);
        ck_assert(i.unwritten);
        ck_assert_uint_eq(i.len, 7);
        ck_assert_uint_eq(i.pblk, 4242);
}
END_TEST

START_TEST(del_range) {
        uint8_t v[12];
        struct fc_tag_info i;

        put_le32(v, 9);
        put_le32(v + 4, 0xfffffff0U);
        put_le32(v + 8, 100000);
        i = decode(FC_TAG_DEL_RANGE, v, 12);
        ck_assert_uint_eq(i.ino, 9);
        ck_assert_uint_eq(i.lblk, 0xfffffff0U);
        ck_assert_uint_eq(i.len, 100000);
        ck_assert_uint_eq(i.pblk, 0);
}
END_TEST

START_TEST(dentry_names) {
        uint8_t v[8 + 255];
        struct fc_tag_info i;
        static const uint16_t tags[] = { FC_TAG_CREAT, FC_TAG_LINK, FC_TAG_UNLINK };

        put_le32(v, 2);
        put_le32(v + 4, 12);
        memcpy(v + 8, "hello.txtXXXX", 13);
        for (int k = 0; k < 3; k++) {
                i = decode(tags[k], v, 8 + 9);
                ck_assert_uint_eq(i.parent, 2);
                ck_assert_uint_eq(i.ino, 12);
                ck_assert_str_eq(i.name, "hello.txt");
        }
        memset(v + 8, 'z', 255);
        i = decode(FC_TAG_CREAT, v, 8 + 255);
        ck_assert_uint_eq(strlen(i.name), 255);
        ck_assert_uint_eq((uint8_t) i.name[254], 'z');
}
END_TEST

START_TEST(inode_fields) {
        uint8_t v[4 + 256] = {};
        struct fc_tag_info i;

        put_le32(v, 33);
        put_le16(v + 4 + 0x00, 040755);
        put_le32(v + 4 + 0x04, 0x89abcdefU);
        put_le16(v + 4 + 0x1A, 3);
        put_le32(v + 4 + 0x6C, 0x2);
        i = decode(FC_TAG_INODE, v, 4 + 256);
        ck_assert_uint_eq(i.ino, 33);
        ck_assert_uint_eq(i.mode, 040755);
        ck_assert_uint_eq(i.links, 3);
        ck_assert_uint_eq(i.size, 0x289abcdefULL);
        ck_assert_uint_eq(i.raw_size, 256);
        i = decode(FC_TAG_INODE, v, 4 + 128);
        ck_assert_uint_eq(i.raw_size, 128);
}
END_TEST

START_TEST(head_and_tail) {
        uint8_t v[8];
        struct fc_tag_info i;

        put_le32(v, 0x3);
        put_le32(v + 4, 1234);
        i = decode(FC_TAG_HEAD, v, 8);
        ck_assert_uint_eq(i.features, 3);
        ck_assert_uint_eq(i.tid, 1234);
        ck_assert_uint_eq(i.crc, 0);
        put_le32(v, 99);
        put_le32(v + 4, 0xcafef00dU);
        i = decode(FC_TAG_TAIL, v, 8);
        ck_assert_uint_eq(i.tid, 99);
        ck_assert_uint_eq(i.crc, 0xcafef00dU);
        ck_assert_uint_eq(i.features, 0);
}
END_TEST

START_TEST(pad_and_unknown_zeroed) {
        uint8_t v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
        struct fc_tag_info i, zero;

        memset(&zero, 0, sizeof(zero));
        i = decode(FC_TAG_PAD, v, 8);
        ck_assert_mem_eq(&i, &zero, sizeof(i));
        i = decode(42, v, 8);
        ck_assert_mem_eq(&i, &zero, sizeof(i));
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("fc_decode");
        TCase *tc = tcase_create("decode");

        tcase_add_test(tc, add_range_written);
        tcase_add_test(tc, add_range_unwritten);
        tcase_add_test(tc, del_range);
        tcase_add_test(tc, dentry_names);
        tcase_add_test(tc, inode_fields);
        tcase_add_test(tc, head_and_tail);
        tcase_add_test(tc, pad_and_unknown_zeroed);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
