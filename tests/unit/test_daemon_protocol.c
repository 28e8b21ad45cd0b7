/* fcreplayd's child protocols: the framing (message.c), the worker's
 * messages (worker_msg.c), the probe's answer and the superblock it reads
 * (probe.c), and udev's escapes (discover.c).  No root, no device. */
#include <errno.h>
#include <string.h>
#include <ext2fs/ext2fs.h>
#include "discover.h"
#include "message.h"
#include "probe.h"
#include "unit.h"
#include "worker.h"

static uint8_t buf[FCRD_PACKET_MAX];

static int roundtrip(const struct fcrd_worker_msg *in, struct fcrd_worker_msg *out) {
        int n = fcrd_worker_encode(in, buf, sizeof(buf));

        ck_assert_int_gt(n, 0);
        return fcrd_worker_parse(buf, n, out);
}

START_TEST(worker_messages_round_trip) {
        struct fcrd_worker_msg m = { .type = FCRD_WORKER_RESULT, .result = FCRD_RESULT_REFUSED, .tags = 7 }, out;

        snprintf(m.text, sizeof(m.text), "bad journal\non two lines");
        ck_assert_int_eq(roundtrip(&m, &out), 0);
        ck_assert_int_eq(out.type, FCRD_WORKER_RESULT);
        ck_assert_int_eq(out.result, FCRD_RESULT_REFUSED);
        ck_assert_int_eq(out.tags, 7);
        /* The packet keeps the bytes; log.c escapes them (one line). */
        ck_assert_str_eq(out.text, "bad journal\non two lines");
        m = (struct fcrd_worker_msg) { .type = FCRD_WORKER_PROGRESS, .done = 3, .total = 9 };
        ck_assert_int_eq(roundtrip(&m, &out), 0);
        ck_assert_int_eq(out.done, 3);
        ck_assert_int_eq(out.total, 9);
        m = (struct fcrd_worker_msg) { .type = FCRD_WORKER_WRITING, .total = 12 };
        ck_assert_int_eq(roundtrip(&m, &out), 0);
        ck_assert_int_eq(out.type, FCRD_WORKER_WRITING);
        ck_assert_int_eq(out.total, 12);
        m = (struct fcrd_worker_msg) { .type = FCRD_WORKER_GO };
        ck_assert_int_eq(roundtrip(&m, &out), 0);
        ck_assert_int_eq(out.type, FCRD_WORKER_GO);
}
END_TEST

START_TEST(worker_parser_refuses_junk) {
        struct fcrd_worker_msg m = { .type = FCRD_WORKER_RESULT, .result = FCRD_RESULT_REPLAYED }, out = { .tags = 42 };
        int n = fcrd_worker_encode(&m, buf, sizeof(buf));

        ck_assert_int_eq(fcrd_worker_parse("", 0, &out), -EBADMSG);
        ck_assert_int_eq(fcrd_worker_parse("X", 1, &out), -EBADMSG);
        /* Short: a field missing. */
        ck_assert_int_eq(fcrd_worker_parse(buf, n - 1, &out), -EBADMSG);
        /* Long: something left over. */
        buf[n] = 0;
        ck_assert_int_eq(fcrd_worker_parse(buf, n + 1, &out), -EBADMSG);
        /* The text unterminated. */
        buf[n - 1] = 'x';
        ck_assert_int_eq(fcrd_worker_parse(buf, n, &out), -EBADMSG);
        /* A result the worker never reports: how the daemon stopped it. */
        m.result = FCRD_RESULT_TIMEOUT;
        n = fcrd_worker_encode(&m, buf, sizeof(buf));
        ck_assert_int_eq(fcrd_worker_parse(buf, n, &out), -EBADMSG);
        m.result = 1000;
        n = fcrd_worker_encode(&m, buf, sizeof(buf));
        ck_assert_int_eq(fcrd_worker_parse(buf, n, &out), -EBADMSG);
        /* Progress past its total. */
        m = (struct fcrd_worker_msg) { .type = FCRD_WORKER_PROGRESS, .done = 10, .total = 9 };
        n = fcrd_worker_encode(&m, buf, sizeof(buf));
        ck_assert_int_eq(fcrd_worker_parse(buf, n, &out), -EBADMSG);
        /* Nothing is set on failure. */
        ck_assert_int_eq(out.tags, 42);
}
END_TEST

START_TEST(framing_strings) {
        struct fcrd_msg_out o;
        struct fcrd_msg_in in;
        char s[4];
        uint8_t type;

        fcrd_msg_start(&o, 'T');
        fcrd_msg_put_str(&o, "abcdef", 3);
        ck_assert_int_eq(o.err, 0);
        ck_assert_int_eq(fcrd_msg_begin(&in, o.buf, o.len, &type), 0);
        ck_assert_int_eq(type, 'T');
        fcrd_msg_get_str(&in, s, sizeof(s));
        ck_assert_str_eq(s, "abc");
        ck_assert_int_eq(fcrd_msg_end(&in), 0);
        /* Too long for the reader's buffer. */
        fcrd_msg_begin(&in, o.buf, o.len, &type);
        fcrd_msg_get_str(&in, s, 3);
        ck_assert_int_eq(fcrd_msg_end(&in), -EBADMSG);
        /* Nothing fits past the packet's size. */
        fcrd_msg_start(&o, 'T');
        for (int i = 0; i < 10000; i++)
                fcrd_msg_put_u64(&o, i);
        ck_assert_int_eq(o.err, -EMSGSIZE);
}
END_TEST

START_TEST(probe_answer_round_trip) {
        struct fcrd_probe p = { .ext4 = true, .has_journal = true, .needs_recovery = true, .mounted = true,
                                .devnum = 0x700005, .diskseq = 1ULL << 40 }, q;
        int n, r;

        snprintf(p.uuid, sizeof(p.uuid), "0a0b");
        snprintf(p.label, sizeof(p.label), "root");
        snprintf(p.backing, sizeof(p.backing), "/var/disk.img");
        n = fcrd_probe_encode(0, &p, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(fcrd_probe_decode(buf, n, &r, &q), 0);
        ck_assert_int_eq(r, 0);
        ck_assert(q.ext4 && q.has_journal && q.needs_recovery && !q.fast_commit && q.mounted);
        ck_assert_str_eq(q.uuid, "0a0b");
        ck_assert_str_eq(q.label, "root");
        ck_assert_str_eq(q.backing, "/var/disk.img");
        /* The identity a replay must find again (fcr_expect). */
        ck_assert_uint_eq(q.devnum, 0x700005);
        ck_assert_uint_eq(q.diskseq, 1ULL << 40);
        n = fcrd_probe_encode(-EIO, &(struct fcrd_probe) {}, buf, sizeof(buf));
        ck_assert_int_eq(fcrd_probe_decode(buf, n, &r, &q), 0);
        ck_assert_int_eq(r, -EIO);
        /* A positive "errno", junk flags, a short answer: no answer. */
        n = fcrd_probe_encode(5, &p, buf, sizeof(buf));
        ck_assert_int_eq(fcrd_probe_decode(buf, n, &r, &q), -EBADMSG);
        n = fcrd_probe_encode(0, &p, buf, sizeof(buf));
        buf[1 + 8] |= 0x80;
        ck_assert_int_eq(fcrd_probe_decode(buf, n, &r, &q), -EBADMSG);
        n = fcrd_probe_encode(0, &p, buf, sizeof(buf));
        ck_assert_int_eq(fcrd_probe_decode(buf, n - 1, &r, &q), -EBADMSG);
        ck_assert_int_eq(fcrd_probe_decode("Q", 1, &r, &q), -EBADMSG);
}
END_TEST

static void make_sb(struct ext2_super_block *sb, uint32_t compat, uint32_t incompat) {
        memset(sb, 0, sizeof(*sb));
        sb->s_magic = ext2fs_cpu_to_le16(EXT2_SUPER_MAGIC);
        sb->s_feature_compat = ext2fs_cpu_to_le32(compat);
        sb->s_feature_incompat = ext2fs_cpu_to_le32(incompat);
        for (int i = 0; i < 16; i++)
                sb->s_uuid[i] = (uint8_t) (0x10 + i);
        memcpy(sb->s_volume_name, "sixteen-chars-ok", 16);  /* no NUL: the field is full */
}

START_TEST(superblock_facts) {
        struct ext2_super_block sb;
        struct fcrd_probe p = {};

        make_sb(&sb, EXT3_FEATURE_COMPAT_HAS_JOURNAL | EXT4_FEATURE_COMPAT_FAST_COMMIT, EXT3_FEATURE_INCOMPAT_RECOVER);
        ck_assert_int_eq(fcrd_probe_superblock(&sb, sizeof(sb), &p), 0);
        ck_assert(p.ext4 && p.has_journal && p.needs_recovery && p.fast_commit);
        ck_assert_str_eq(p.uuid, "10111213-1415-1617-1819-1a1b1c1d1e1f");
        ck_assert_str_eq(p.label, "sixteen-chars-ok");
        /* RECOVER without a journal asks for nothing. */
        p = (struct fcrd_probe) {};
        make_sb(&sb, 0, EXT3_FEATURE_INCOMPAT_RECOVER);
        ck_assert_int_eq(fcrd_probe_superblock(&sb, sizeof(sb), &p), 0);
        ck_assert(p.ext4 && !p.has_journal && !p.needs_recovery);
        /* What libblkid found stays. */
        snprintf(p.label, sizeof(p.label), "from-blkid");
        ck_assert_int_eq(fcrd_probe_superblock(&sb, sizeof(sb), &p), 0);
        ck_assert_str_eq(p.label, "from-blkid");
        /* No magic, or too short: no ext4, p untouched. */
        p = (struct fcrd_probe) {};
        sb.s_magic = 0;
        ck_assert_int_eq(fcrd_probe_superblock(&sb, sizeof(sb), &p), -EMEDIUMTYPE);
        ck_assert(!p.ext4);
        ck_assert_int_eq(fcrd_probe_superblock(&sb, 100, &p), -EMEDIUMTYPE);
}
END_TEST

START_TEST(udev_unescape) {
        char s[16];

        ck_assert_int_eq(fcrd_udev_unescape("my\\x20disk", s, sizeof(s)), 0);
        ck_assert_str_eq(s, "my disk");
        ck_assert_int_eq(fcrd_udev_unescape("a\\x2fb\\x5c", s, sizeof(s)), 0);
        ck_assert_str_eq(s, "a/b\\");
        /* Not an escape: kept as it is; \x00 too (it would end the string). */
        ck_assert_int_eq(fcrd_udev_unescape("\\xzz\\x00", s, sizeof(s)), 0);
        ck_assert_str_eq(s, "\\xzz\\x00");
        ck_assert_int_eq(fcrd_udev_unescape("0123456789abcdefg", s, sizeof(s)), -ENAMETOOLONG);
}
END_TEST

int main(void) {
        Suite *s = suite_create("daemon_protocol");
        TCase *tc = tcase_create("messages");

        tcase_add_test(tc, worker_messages_round_trip);
        tcase_add_test(tc, worker_parser_refuses_junk);
        tcase_add_test(tc, framing_strings);
        tcase_add_test(tc, probe_answer_round_trip);
        tcase_add_test(tc, superblock_facts);
        tcase_add_test(tc, udev_unescape);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
