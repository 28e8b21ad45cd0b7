/* lib/fc_scan.c: the fast-commit area scan on synthetic areas written to
 * a temporary journal file: HEAD/TAIL framing and CRC (crc32c seed 0 over
 * the commit through the TAIL's header and tid), old (1 byte short) and new
 * block layouts, stale HEAD, the tag plugins' value rules, unknown tags,
 * HEAD features, replaying only up to the last good TAIL, and the
 * validator callback. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include "fastcommit/fc_format.h"
#include "fastcommit/fc_scan.h"
#include "pluginhost/plugins.h"
#include "journal/jbd2_format.h"
#include "journal/jbd2_super.h"
#include "unit.h"

#define BS 1024
#define NFC 8                   /* fc blocks 1025..1031: 7 usable */
#define MAXLEN (1024 + NFC)
#define TID 500
#define ISIZE 256

static struct {
        struct test_journal t;
        struct jbd2_super s;
        struct fc_log log;
        struct fcr_diag d;
        uint32_t blk, off, crc;
        bool old;               /* old layout: stop 1 byte short of the block end */
} F;

static uint8_t *fcblk(uint32_t i) {
        return tj_block(&F.t, MAXLEN - NFC + 1 + i);
}

static void setup(void) {
        struct sb_opts o = { .bs = BS, .maxlen = MAXLEN, .sequence = TID, .nfc = NFC,
                             .incompat = JBD2_FEATURE_INCOMPAT_FAST_COMMIT };

        memset(&F, 0, sizeof(F));
        tj_init(&F.t, BS, MAXLEN);
        make_jsb(tj_block(&F.t, 0), &o);
}

static void teardown(void) {
        fc_log_done(&F.log);
        tj_done(&F.t);
}

/* A raw tag: header claiming len, then vlen bytes of val. */
static void raw(uint16_t tag, uint16_t len, const void *val, uint16_t vlen) {
        uint8_t *b = fcblk(F.blk) + F.off;

        ck_assert_uint_le(F.off + 4 + vlen, BS);
        put_le16(b, tag);
        put_le16(b + 2, len);
        if (vlen)
                memcpy(b + 4, val, vlen);
        F.crc = ref_crc32c(F.crc, b, 4 + vlen);
        F.off += 4 + vlen;
}

static void tag(uint16_t t, const void *val, uint16_t len) {
        raw(t, len, val, len);
}

static uint16_t fill_len(void) {
        return (uint16_t) (BS - F.off - 4 - (F.old ? 1 : 0));
}

static void next_block(void) {
        F.blk++;
        F.off = 0;
}

/* PAD to the end of the block (the CRC covers it). */
static void pad(void) {
        uint16_t len = fill_len();
        uint8_t zero[BS] = {};

        tag(FC_TAG_PAD, zero, len);
        next_block();
}

/* TAIL with tid, padded to the end of the block; crc_xor spoils the CRC. */
static void tail_ex(uint32_t tid, uint32_t crc_xor) {
        uint8_t *b = fcblk(F.blk) + F.off;
        uint16_t len = fill_len();

        ck_assert_uint_ge(len, 8);
        put_le16(b, FC_TAG_TAIL);
        put_le16(b + 2, len);
        put_le32(b + 4, tid);
        put_le32(b + 8, ref_crc32c(F.crc, b, 8) ^ crc_xor);
        F.crc = 0;
        next_block();
}

static void tail(void) {
        tail_ex(TID, 0);
}

static void head_ex(uint32_t features, uint32_t tid) {
        uint8_t v[8];

        put_le32(v, features);
        put_le32(v + 4, tid);
        tag(FC_TAG_HEAD, v, 8);
}

static void head(void) {
        head_ex(0, TID);
}

static void add_range(uint32_t ino, uint32_t lblk, uint16_t len, uint64_t pblk) {
        uint8_t v[16];

        put_le32(v, ino);
        put_le32(v + 4, lblk);
        put_le16(v + 8, len);
        put_le16(v + 10, (uint16_t) (pblk >> 32));
        put_le32(v + 12, (uint32_t) pblk);
        tag(FC_TAG_ADD_RANGE, v, 16);
}

static void dentry(uint16_t t, uint32_t parent, uint32_t ino, const char *name) {
        uint8_t v[8 + 255];
        size_t n = strlen(name);

        put_le32(v, parent);
        put_le32(v + 4, ino);
        memcpy(v + 8, name, n);
        tag(t, v, (uint16_t) (8 + n));
}

static void inode(uint32_t ino, uint16_t raw_size) {
        uint8_t v[4 + 1024] = {};

        put_le32(v, ino);
        put_le16(v + 4, 0100644);
        tag(FC_TAG_INODE, v, (uint16_t) (4 + raw_size));
}

/* One ordinary commit: HEAD? ADD_RANGE CREAT INODE TAIL (4 or 5 tags). */
static void commit(bool with_head) {
        if (with_head)
                head();
        add_range(12, 0, 4, 0x1000);
        dentry(FC_TAG_CREAT, 2, 12, "file");
        inode(12, ISIZE);
        tail();
}

/* features: the HEAD bits the (pretended) plugins provide. */
static int scan_features(fc_validate_fn fn, void *ud, uint32_t features) {
        tj_sync(&F.t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&F.t, 0), BS, MAXLEN, &F.s, &F.d), 0);
        ck_assert_uint_eq(F.s.fc_first, MAXLEN - NFC + 1);
        return fc_scan(&F.t.j, &F.s, TID, features, fn, ud, &F.log, &F.d);
}

static int scan_with(fc_validate_fn fn, void *ud) {
        return scan_features(fn, ud, 0);
}

/* The real tag plugins judge values, as in a replay. */
static struct fcr_plugins *real_plugins;

static int plugin_rules(void *ud, uint32_t head_features, uint16_t t, const uint8_t *value, uint16_t len) {
        struct fcr_fs_geometry g = { .block_size = BS, .inode_size = ISIZE };

        return fcr_plugins_validate(real_plugins, &g, head_features, t, value, len);
}

static int scan(void) {
        return scan_with(plugin_rules, NULL);
}

/* Every tag walked, framing included, as fc_log_foreach gives them. */
static struct {
        struct fc_tag v[64];
        bool committed[64];
        size_t n;
} W;

static int collect(const struct fc_tag *t, bool committed, void *userdata) {
        ck_assert_uint_lt(W.n, 64);
        W.committed[W.n] = committed;
        W.v[W.n++] = *t;
        return 0;
}

static const struct fc_tag *walked(size_t i) {
        W.n = 0;
        ck_assert_uint_eq(fc_log_foreach(&F.log, collect, NULL), 0);
        ck_assert_uint_lt(i, W.n);
        return &W.v[i];
}

START_TEST(no_fast_commit_area) {
        struct sb_opts o = { .bs = BS, .maxlen = MAXLEN, .sequence = TID };

        make_jsb(tj_block(&F.t, 0), &o);
        commit(true);
        tj_sync(&F.t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&F.t, 0), BS, MAXLEN, &F.s, &F.d), 0);
        ck_assert_int_eq(fc_scan(&F.t.j, &F.s, TID, 0, plugin_rules, NULL, &F.log, &F.d), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_NONE);
        ck_assert_uint_eq(F.log.nr_tags, 0);
        ck_assert_uint_eq(F.log.nr_committed, 0);
        ck_assert_ptr_null(F.log.area);
}
END_TEST

START_TEST(empty_area) {
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_EMPTY);
        ck_assert_uint_eq(F.log.nr_committed, 0);
        ck_assert(!F.log.has_head);
}
END_TEST

START_TEST(first_tag_not_head) {
        add_range(12, 0, 1, 100);
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_EMPTY);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

static void check_one_commit(void) {
        ck_assert_uint_eq(F.log.nr_committed, 5);
        ck_assert_uint_eq(F.log.nr_commits, 1);
        ck_assert(F.log.has_head);
        ck_assert_uint_eq(F.log.head_tid, TID);
        ck_assert_uint_eq(F.log.head_features, 0);
        ck_assert_uint_eq(walked(0)->tag, FC_TAG_HEAD);
        ck_assert_uint_eq(walked(1)->tag, FC_TAG_ADD_RANGE);
        ck_assert_uint_eq(walked(1)->len, 16);
        ck_assert_uint_eq(walked(1)->block, 0);
        ck_assert_uint_eq(walked(1)->offset, 12);
        ck_assert_uint_eq(get_le32(walked(1)->value), 12);
        ck_assert_uint_eq(walked(2)->tag, FC_TAG_CREAT);
        ck_assert_mem_eq(walked(2)->value + 8, "file", 4);
        ck_assert_uint_eq(walked(3)->tag, FC_TAG_INODE);
        ck_assert_uint_eq(walked(3)->len, 4 + ISIZE);
        ck_assert_uint_eq(walked(4)->tag, FC_TAG_TAIL);
        /* The values point into the area copy. */
        ck_assert(walked(1)->value >= F.log.area && walked(1)->value < F.log.area + BS);
        /* Zeros after the commit end the walk at the next block. */
        ck_assert_uint_eq(F.log.end_block, 1);
        ck_assert_uint_eq(F.log.end_offset, 0);
}

START_TEST(one_commit_new_layout) {
        commit(true);
        ck_assert_int_eq(scan(), 0);
        check_one_commit();
        ck_assert_uint_eq(walked(4)->offset + 4 + walked(4)->len, BS);
}
END_TEST

START_TEST(one_commit_old_layout) {
        F.old = true;
        commit(true);
        ck_assert_int_eq(scan(), 0);
        check_one_commit();
        ck_assert_uint_eq(walked(4)->offset + 4 + walked(4)->len, BS - 1);
}
END_TEST

START_TEST(old_layout_pad_then_more_blocks) {
        F.old = true;
        head();
        add_range(12, 0, 4, 0x1000);
        pad();
        inode(12, ISIZE);
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_committed, 5);
        ck_assert_uint_eq(walked(3)->block, 1);
        ck_assert_uint_eq(walked(3)->offset, 0);
}
END_TEST

START_TEST(commit_spanning_blocks_crc_carries) {
        /* The CRC runs on across blocks (and over PAD) until the TAIL. */
        head();
        add_range(12, 0, 4, 0x1000);
        pad();
        dentry(FC_TAG_LINK, 2, 12, "b");
        pad();
        dentry(FC_TAG_UNLINK, 2, 12, "a");
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_commits, 1);
        ck_assert_uint_eq(F.log.nr_committed, 7);
        ck_assert_uint_eq(walked(6)->block, 2);
}
END_TEST

START_TEST(several_commits) {
        commit(true);
        commit(false);
        commit(false);
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_commits, 3);
        ck_assert_uint_eq(F.log.nr_committed, 5 + 4 + 4);
        ck_assert_uint_eq(F.log.end_block, 3);
}
END_TEST

START_TEST(stale_head_tid) {
        head_ex(0, TID - 1);
        add_range(12, 0, 4, 0x1000);
        tail_ex(TID - 1, 0);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_STALE);
        ck_assert_uint_eq(F.log.nr_committed, 0);
        ck_assert_uint_eq(F.log.nr_tags, 0);
        ck_assert(F.log.has_head);
        ck_assert_uint_eq(F.log.head_tid, TID - 1);
}
END_TEST

START_TEST(head_features_unsupported) {
        head_ex(0x1, TID);
        add_range(12, 0, 4, 0x1000);
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_UNSUPPORTED);
        ck_assert_uint_eq(F.log.head_features, 1);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

START_TEST(tail_bad_crc) {
        head();
        add_range(12, 0, 4, 0x1000);
        tail_ex(TID, 0x100);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_TAIL_MISMATCH);
        ck_assert_uint_eq(F.log.nr_committed, 0);
        ck_assert_uint_eq(F.log.nr_commits, 0);
        ck_assert_uint_eq(F.log.end_block, 0);
        ck_assert_uint_eq(F.log.end_offset, 12 + 20);
}
END_TEST

START_TEST(tail_wrong_tid) {
        head();
        add_range(12, 0, 4, 0x1000);
        tail_ex(TID + 1, 0);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_TAIL_MISMATCH);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

START_TEST(crc_excludes_head_byte_change) {
        /* A byte changed inside the commit after the TAIL was written. */
        commit(true);
        fcblk(0)[12 + 4 + 5] ^= 0x01;   /* ADD_RANGE value */
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_TAIL_MISMATCH);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

START_TEST(only_up_to_last_good_tail) {
        commit(true);
        commit(false);
        add_range(13, 0, 1, 0x2000);
        tail_ex(TID, 1);
        commit(false);          /* after a bad TAIL: never reached */
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_TAIL_MISMATCH);
        ck_assert_uint_eq(F.log.nr_commits, 2);
        ck_assert_uint_eq(F.log.nr_committed, 9);
        ck_assert_uint_eq(F.log.end_block, 2);
}
END_TEST

START_TEST(unfinished_commit_not_valid) {
        commit(true);
        add_range(13, 0, 1, 0x2000);    /* no TAIL follows */
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_commits, 1);
        ck_assert_uint_eq(F.log.nr_committed, 5);
        ck_assert_uint_gt(F.log.nr_walked, 5);
        ck_assert_uint_eq(F.log.nr_tags, 3);     /* the commit's, not the ADD_RANGE after it */
}
END_TEST

/* One bad-length tag inside the second commit: the first stays valid. */
static void bad_tag_case(uint16_t t, uint16_t len) {
        uint8_t v[1024] = {};

        setup();
        commit(true);
        put_le32(v, 12);
        put_le32(v + 4, 12);
        v[8] = 'x';
        tag(t, v, len);
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_msg(F.log.end_reason == FC_END_BAD_LENGTH, "tag %u len %u: end %d", t, len, F.log.end_reason);
        ck_assert_uint_eq(F.log.nr_committed, 5);
        ck_assert_uint_eq(F.log.end_block, 1);
        ck_assert_uint_eq(F.log.end_offset, 0);
        teardown();
}

START_TEST(bad_lengths) {
        bad_tag_case(FC_TAG_ADD_RANGE, 15);
        bad_tag_case(FC_TAG_ADD_RANGE, 17);
        bad_tag_case(FC_TAG_DEL_RANGE, 11);
        bad_tag_case(FC_TAG_DEL_RANGE, 13);
        bad_tag_case(FC_TAG_CREAT, 8);          /* empty name */
        bad_tag_case(FC_TAG_LINK, 8 + 256);     /* name too long */
        bad_tag_case(FC_TAG_UNLINK, 3);
        bad_tag_case(FC_TAG_INODE, 4 + 127);
        bad_tag_case(FC_TAG_INODE, 4 + ISIZE + 1);
        bad_tag_case(FC_TAG_HEAD, 9);
        bad_tag_case(FC_TAG_TAIL, 7);
}
END_TEST

START_TEST(good_length_boundaries) {
        head();
        dentry(FC_TAG_CREAT, 2, 12, "a");
        {
                char name[256];

                memset(name, 'n', 255);
                name[255] = '\0';
                dentry(FC_TAG_LINK, 2, 12, name);
        }
        pad();
        inode(12, 128);
        inode(13, ISIZE);
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_commits, 1);
        ck_assert_uint_eq(F.log.nr_committed, 7);
}
END_TEST

START_TEST(tag_longer_than_block) {
        head();
        raw(FC_TAG_PAD, BS, NULL, 0);
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_BAD_LENGTH);
        ck_assert_uint_eq(F.log.end_offset, 12);
}
END_TEST

START_TEST(unknown_tag) {
        uint8_t v[4] = {};

        head();
        tag(10, v, 4);
        tail();
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_UNKNOWN_TAG);
        ck_assert_uint_eq(F.log.end_offset, 12);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

START_TEST(read_error) {
        commit(true);
        tj_sync(&F.t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&F.t, 0), BS, MAXLEN, &F.s, &F.d), 0);
        F.t.j.nblocks = MAXLEN - 2;     /* fc blocks 5 and 6 are missing */
        ck_assert_int_eq(fc_scan(&F.t.j, &F.s, TID, 0, plugin_rules, NULL, &F.log, &F.d), 0);
        /* Block 1 holds zeros: the walk stops there, before the hole. */
        ck_assert_uint_eq(F.log.nr_committed, 5);
}
END_TEST

START_TEST(read_error_reported) {
        uint32_t i;

        head();
        /* PAD every block, so the walk reaches the missing ones. */
        for (i = 0; i < NFC - 1; i++)
                pad();
        tj_sync(&F.t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&F.t, 0), BS, MAXLEN, &F.s, &F.d), 0);
        F.t.j.nblocks = MAXLEN - 2;
        ck_assert_int_eq(fc_scan(&F.t.j, &F.s, TID, 0, plugin_rules, NULL, &F.log, &F.d), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_READ_ERROR);
        ck_assert_int_lt(F.log.read_err, 0);
        ck_assert_int_eq(F.d.err, 0);   /* not a failure: no reason left behind */
        ck_assert_uint_eq(F.log.end_block, 5);
        ck_assert_uint_eq(F.log.nr_walked, 1 + 5);
        ck_assert_uint_eq(F.log.area_blocks, FC_KEEP_AFTER);   /* nothing committed */
}
END_TEST

START_TEST(whole_area_walked) {
        head();
        for (uint32_t i = 0; i < NFC - 1; i++)
                pad();
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_AREA);
        ck_assert_uint_eq(F.log.nr_walked, 1 + NFC - 1);
        ck_assert_uint_eq(F.log.end_block, NFC - 2);
}
END_TEST


/* The scan keeps, for the replay, the committed tags that change the
 * filesystem: no HEAD, TAIL or PAD, nothing after the last good TAIL. */
START_TEST(records_only_committed_changes) {
        commit(true);
        pad();
        commit(false);
        add_range(13, 0, 1, 0x2000);    /* uncommitted */
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_commits, 2);
        ck_assert_uint_eq(F.log.nr_committed, 5 + 1 + 4);
        ck_assert_uint_eq(F.log.nr_tags, 6);
        for (size_t i = 0; i < F.log.nr_tags; i++)
                ck_assert(!fc_tag_is_framing(F.log.tags[i].tag));
        ck_assert_uint_eq(F.log.tags[0].tag, FC_TAG_ADD_RANGE);
        ck_assert_uint_eq(F.log.tags[3].tag, FC_TAG_ADD_RANGE);
        ck_assert_uint_eq(F.log.tags[3].block, 2);
        ck_assert_uint_eq(F.log.tags[5].tag, FC_TAG_INODE);
        /* foreach shows all of them, the last one uncommitted. */
        ck_assert_uint_eq(walked(10)->tag, FC_TAG_ADD_RANGE);
        ck_assert(W.committed[9] && !W.committed[10]);
        ck_assert_uint_eq(W.n, 11);
}
END_TEST

/* What the scan holds follows the committed log: an area of PAD tags
 * after one commit is walked to its end, but only the commit's block and
 * FC_KEEP_AFTER more are kept, and listed. */
START_TEST(area_kept_to_last_commit) {
        commit(true);
        for (uint32_t i = 1; i < NFC - 1; i++)
                pad();
        ck_assert_int_eq(scan(), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_AREA);
        ck_assert_uint_eq(F.log.nr_commits, 1);
        ck_assert_uint_eq(F.log.nr_walked, 5 + NFC - 2);
        ck_assert_uint_eq(F.log.area_blocks, 1 + FC_KEEP_AFTER);
        W.n = 0;
        ck_assert_uint_eq(fc_log_foreach(&F.log, collect, NULL), NFC - 2 - FC_KEEP_AFTER);
        ck_assert_uint_eq(W.n, 5 + FC_KEEP_AFTER);
}
END_TEST

/* No commit: only the first blocks are kept, for inspect to show. */
START_TEST(no_commit_keeps_little) {
        head();
        for (uint32_t i = 0; i < NFC - 1; i++)
                pad();
        ck_assert_int_eq(scan(), 0);
        ck_assert_uint_eq(F.log.nr_commits, 0);
        ck_assert_uint_eq(F.log.nr_tags, 0);
        ck_assert_uint_eq(F.log.area_blocks, FC_KEEP_AFTER);
}
END_TEST

/* Without a single plugin, HEAD, PAD and TAIL still frame the log (a
 * missing head.so used to end every log at block 0). */
static int no_plugins(void *ud, uint32_t head_features, uint16_t t, const uint8_t *value, uint16_t len) {
        return -ENOENT;
}

START_TEST(framing_needs_no_plugin) {
        head();
        pad();
        tail();
        ck_assert_int_eq(scan_with(no_plugins, NULL), 0);
        ck_assert_uint_eq(F.log.nr_commits, 1);
        ck_assert_uint_eq(F.log.nr_committed, 3);
        ck_assert_uint_eq(F.log.nr_tags, 0);
}
END_TEST

struct described {
        struct fcr_tag_describer w;
        char text[128];
        uint64_t nums[4];
        int nr_nums;
};

static void dnum(struct fcr_tag_describer *w, const char *key, uint64_t v) {
        struct described *d = (struct described *) w;

        d->nums[d->nr_nums++] = v;
}

static void dtext(struct fcr_tag_describer *w, const char *fmt, ...) {
        struct described *d = (struct described *) w;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(d->text, sizeof(d->text), fmt, ap);
        va_end(ap);
}

START_TEST(framing_described) {
        struct described d = { .w = { .num = dnum, .text = dtext } };
        uint8_t v[8];

        put_le32(v, 0x10);
        put_le32(v + 4, 77);
        ck_assert_int_eq(fc_framing_describe(FC_TAG_HEAD, v, 8, &d.w), 0);
        ck_assert_str_eq(d.text, "tid 77, features 0x10");
        ck_assert_int_eq(fc_framing_describe(FC_TAG_TAIL, v, 8, &d.w), 0);
        ck_assert_str_eq(d.text, "tid 16, crc 0x0000004d");
        ck_assert_int_eq(fc_framing_describe(FC_TAG_PAD, v, 3, &d.w), 0);
        ck_assert_str_eq(d.text, "3 bytes");
        ck_assert_int_eq(d.nr_nums, 4);
        ck_assert_int_eq(fc_framing_describe(FC_TAG_TAIL, v, 7, &d.w), -EINVAL);
        ck_assert_int_eq(fc_framing_describe(FC_TAG_INODE, v, 8, &d.w), -ENOENT);
}
END_TEST

/* Validator callback. */
struct vstate {
        int calls;
        uint16_t refuse;        /* tag to call invalid */
        uint16_t no_plugin;     /* tag to answer -ENOENT for */
        bool accept_all;
        uint16_t seen[64];
};

static int validator(void *ud, uint32_t head_features, uint16_t t, const uint8_t *value, uint16_t len) {
        struct vstate *v = ud;

        if (v->calls < 64)
                v->seen[v->calls] = t;
        v->calls++;
        if (t == v->no_plugin)
                return -ENOENT;
        if (v->accept_all)
                return 1;
        if (t == v->refuse)
                return 0;
        return plugin_rules(NULL, head_features, t, value, len);
}

START_TEST(validator_sees_every_tag) {
        struct vstate v = {};

        commit(true);
        ck_assert_int_eq(scan_with(validator, &v), 0);
        ck_assert_uint_eq(F.log.nr_committed, 5);
        /* The framing is the scan's: only the tags between HEAD and TAIL
         * (and the zero after them), on each of the scan's two walks. */
        ck_assert_int_eq(v.calls, 2 * 4);
        for (int i = 0; i < v.calls; i++)
                ck_assert(!fc_tag_is_framing(v.seen[i]));
        ck_assert_uint_eq(v.seen[0], FC_TAG_ADD_RANGE);
        ck_assert_uint_eq(v.seen[1], FC_TAG_CREAT);
        ck_assert_uint_eq(v.seen[2], FC_TAG_INODE);
}
END_TEST

START_TEST(validator_refuses_tag) {
        struct vstate v = { .refuse = FC_TAG_CREAT };

        commit(true);
        ck_assert_int_eq(scan_with(validator, &v), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_BAD_LENGTH);
        ck_assert_uint_eq(F.log.nr_committed, 0);
        ck_assert_uint_eq(F.log.end_offset, 12 + 20);
}
END_TEST

START_TEST(validator_no_plugin) {
        struct vstate v = { .no_plugin = FC_TAG_INODE };

        commit(true);
        ck_assert_int_eq(scan_with(validator, &v), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_NO_PLUGIN);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

START_TEST(validator_cannot_loosen_head_tail) {
        /* The validator judges values, but HEAD and TAIL frame the log: a
         * HEAD of the wrong size is refused whatever the validator says. */
        struct vstate v = { .accept_all = true };
        uint8_t h[9] = {};

        put_le32(h + 4, TID);
        tag(FC_TAG_HEAD, h, 9);
        tail();
        ck_assert_int_eq(scan_with(validator, &v), 0);
        ck_assert_int_eq(F.log.end_reason, FC_END_BAD_LENGTH);
        ck_assert_uint_eq(F.log.nr_committed, 0);
}
END_TEST

START_TEST(validator_decides_other_lengths) {
        /* A plugin may accept a value the built-in rules would refuse. */
        struct vstate v = { .accept_all = true };
        uint8_t val[20] = {};

        head();
        tag(FC_TAG_ADD_RANGE, val, 20);
        tail();
        ck_assert_int_eq(scan_with(validator, &v), 0);
        ck_assert_uint_eq(F.log.nr_committed, 3);
}
END_TEST

/* A plugin for tag 100, announced by HEAD bit 31, beside the real ones:
 * the gate fcr_plugins_validate applies. */
#define NEW_TAG 100
#define NEW_BIT (1u << 31)

static int with_new_tag(void *ud, uint32_t head_features, uint16_t t, const uint8_t *value, uint16_t len) {
        if (t == NEW_TAG)
                return !(head_features & NEW_BIT) ? -ENOENT : len == 4;
        return plugin_rules(ud, head_features, t, value, len);
}

/* One commit: HEAD with head_bits, the new tag with a vlen-byte value,
 * TAIL; the plugins provide NEW_BIT.  end: the end reason expected when
 * the commit does not count. */
static void new_tag_case(uint32_t head_bits, uint16_t vlen, bool counts, enum fc_end end) {
        uint8_t v[8] = {};

        head_ex(head_bits, TID);
        tag(NEW_TAG, v, vlen);
        tail();
        ck_assert_int_eq(scan_features(with_new_tag, NULL, NEW_BIT), 0);
        ck_assert_uint_eq(F.log.nr_committed, counts ? 3 : 0);
        if (counts)
                ck_assert_uint_eq(walked(1)->tag, NEW_TAG);
        else
                ck_assert_int_eq(F.log.end_reason, end);
}

START_TEST(new_tag_announced) {
        new_tag_case(NEW_BIT, 4, true, FC_END_AREA);
}
END_TEST

START_TEST(new_tag_invalid_value) {
        new_tag_case(NEW_BIT, 5, false, FC_END_BAD_LENGTH);
}
END_TEST

START_TEST(new_tag_not_announced) {
        /* A plugin is there, but this HEAD did not announce its tag. */
        new_tag_case(0, 4, false, FC_END_UNKNOWN_TAG);
}
END_TEST

START_TEST(head_feature_no_plugin_provides) {
        new_tag_case(NEW_BIT | (1u << 30), 4, false, FC_END_UNSUPPORTED);
}
END_TEST

START_TEST(names) {
        ck_assert_str_eq(fc_tag_name(FC_TAG_ADD_RANGE), "ADD_RANGE");
        ck_assert_str_eq(fc_tag_name(FC_TAG_HEAD), "HEAD");
        ck_assert_str_eq(fc_tag_name(FC_TAG_PAD), "PAD");
        ck_assert_str_eq(fc_tag_name(0), "UNKNOWN");
        ck_assert_str_eq(fc_tag_name(10), "UNKNOWN");
        ck_assert_str_eq(fc_tag_name(0xffff), "UNKNOWN");
        for (int e = FC_END_NONE; e <= FC_END_NO_PLUGIN; e++)
                ck_assert_str_ne(fc_end_reason_str(e), "unknown");
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("fc_scan");
        TCase *tc = tcase_create("framing");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, no_fast_commit_area);
        tcase_add_test(tc, empty_area);
        tcase_add_test(tc, first_tag_not_head);
        tcase_add_test(tc, one_commit_new_layout);
        tcase_add_test(tc, one_commit_old_layout);
        tcase_add_test(tc, old_layout_pad_then_more_blocks);
        tcase_add_test(tc, commit_spanning_blocks_crc_carries);
        tcase_add_test(tc, several_commits);
        tcase_add_test(tc, stale_head_tid);
        tcase_add_test(tc, head_features_unsupported);
        tcase_add_test(tc, tail_bad_crc);
        tcase_add_test(tc, tail_wrong_tid);
        tcase_add_test(tc, crc_excludes_head_byte_change);
        tcase_add_test(tc, only_up_to_last_good_tail);
        tcase_add_test(tc, unfinished_commit_not_valid);
        tcase_add_test(tc, good_length_boundaries);
        tcase_add_test(tc, tag_longer_than_block);
        tcase_add_test(tc, unknown_tag);
        tcase_add_test(tc, read_error);
        tcase_add_test(tc, read_error_reported);
        tcase_add_test(tc, whole_area_walked);
        tcase_add_test(tc, records_only_committed_changes);
        tcase_add_test(tc, area_kept_to_last_commit);
        tcase_add_test(tc, no_commit_keeps_little);
        tcase_add_test(tc, framing_needs_no_plugin);
        tcase_add_test(tc, framing_described);
        suite_add_tcase(s, tc);

        tc = tcase_create("lengths");
        tcase_add_test(tc, bad_lengths);        /* sets up each case itself */
        tcase_add_test(tc, names);
        suite_add_tcase(s, tc);

        tc = tcase_create("validator");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, validator_sees_every_tag);
        tcase_add_test(tc, validator_refuses_tag);
        tcase_add_test(tc, validator_no_plugin);
        tcase_add_test(tc, validator_cannot_loosen_head_tail);
        tcase_add_test(tc, validator_decides_other_lengths);
        tcase_add_test(tc, new_tag_announced);
        tcase_add_test(tc, new_tag_invalid_value);
        tcase_add_test(tc, new_tag_not_announced);
        tcase_add_test(tc, head_feature_no_plugin_provides);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        struct fcr_diag d = {};
        int r;

        if (fcr_plugins_load(UNIT_REAL_PLUGIN_DIR, &real_plugins, &d) < 0) {
                fprintf(stderr, "cannot load the tag plugins: %s\n", d.msg);
                return 1;
        }
        r = unit_run(suite());
        fcr_plugins_unref(real_plugins);
        return r;
}
