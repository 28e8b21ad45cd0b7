#include <stdlib.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include "fc_format.h"
#include "fc_scan.h"
#include "journal/jbd2_csum.h"
#include "journal/jbd2_format.h"
#include <fcreplay/util.h>

const char *fc_tag_name(uint16_t tag) {
        static const char *const names[] = {
                [FC_TAG_ADD_RANGE] = "ADD_RANGE", [FC_TAG_DEL_RANGE] = "DEL_RANGE",
                [FC_TAG_CREAT] = "CREAT", [FC_TAG_LINK] = "LINK", [FC_TAG_UNLINK] = "UNLINK",
                [FC_TAG_INODE] = "INODE", [FC_TAG_PAD] = "PAD", [FC_TAG_TAIL] = "TAIL",
                [FC_TAG_HEAD] = "HEAD",
        };
        return tag >= 1 && tag <= FC_TAG_MAX ? names[tag] : "UNKNOWN";
}

const char *fc_end_reason_str(enum fc_end e) {
        switch (e) {
        case FC_END_NONE: return "no fast-commit area";
        case FC_END_EMPTY: return "area holds no commit";
        case FC_END_STALE: return "stale area (HEAD of another transaction)";
        case FC_END_AREA: return "end of the area";
        case FC_END_BAD_LENGTH: return "tag with an invalid length or value";
        case FC_END_UNKNOWN_TAG: return "unknown tag";
        case FC_END_UNSUPPORTED: return "HEAD with unsupported features";
        case FC_END_TAIL_MISMATCH: return "TAIL with another tid or a bad CRC";
        case FC_END_READ_ERROR: return "read error";
        case FC_END_NO_PLUGIN: return "tag that no loaded plugin handles";
        }
        return "unknown";
}

/* The scan keeps the framing: HEAD and TAIL's shape, tag numbers the
 * kernel defines.  Everything else about a value is its plugin's word. */
struct validator {
        fc_validate_fn fn;
        void *userdata;
        uint32_t features;              /* HEAD bits the plugins provide */
};

/* 1 valid, 0 invalid, -ENOENT no plugin; unknown tag numbers: -ENOTTY. */
static int check_value(const struct validator *v, const struct fc_log *l, uint16_t tag, const uint8_t *val,
                       uint16_t len) {
        int r;

        if (tag == FC_TAG_HEAD && len != FC_HEAD_LEN)
                return 0;
        if (tag == FC_TAG_TAIL && len < FC_TAIL_LEN)
                return 0;
        if (tag >= 1 && tag <= FC_TAG_MAX)
                return v->fn ? v->fn(v->userdata, l->head_features, tag, val, len) : 1;
        /* A tag the kernel does not define: only a plugin whose HEAD
         * feature this log announced makes it more than the log's end. */
        if (!v->fn || !l->has_head)
                return -ENOTTY;
        r = v->fn(v->userdata, l->head_features, tag, val, len);
        return r == -ENOENT ? -ENOTTY : r;
}

/* Walk one block's tags.  Returns true to go on with the next block. */
static bool scan_block(struct fc_log *l, uint32_t blk, const uint8_t *b, uint32_t bs,
                       const struct validator *v, uint32_t *crc, int *err) {
        /* Older writers leave the last byte of a block unused, newer ones
         * fill it: a tag header needs 4 bytes, whichever wrote it. */
        for (uint32_t off = 0; off + FC_TAG_HDR_LEN <= bs;) {
                uint16_t tag = get_le16(b + off), len = get_le16(b + off + 2);
                const uint8_t *val = b + off + FC_TAG_HDR_LEN;
                struct fc_tag *t;

                l->end_block = blk;
                l->end_offset = off;
                if (blk == 0 && off == 0 && tag != FC_TAG_HEAD) {
                        l->end_reason = FC_END_EMPTY;
                        return false;
                }
                if (off + FC_TAG_HDR_LEN + len > bs) {
                        l->end_reason = tag >= 1 && tag <= FC_TAG_MAX ? FC_END_BAD_LENGTH : FC_END_UNKNOWN_TAG;
                        return false;
                }
                switch (check_value(v, l, tag, val, len)) {
                case 1:
                        break;
                case -ENOTTY:
                        l->end_reason = FC_END_UNKNOWN_TAG;
                        return false;
                case -ENOENT:
                        l->end_reason = FC_END_NO_PLUGIN;
                        return false;
                default:
                        l->end_reason = FC_END_BAD_LENGTH;
                        return false;
                }
                if (tag == FC_TAG_HEAD) {
                        uint32_t feat = get_le32(val), tid = get_le32(val + 4);

                        if (!l->has_head) {
                                l->has_head = true;
                                l->head_features = feat;
                                l->head_tid = tid;
                        }
                        if (feat & ~v->features) {
                                l->end_reason = FC_END_UNSUPPORTED;
                                return false;
                        }
                        if (tid != l->expected_tid) {
                                l->end_reason = FC_END_STALE;
                                return false;
                        }
                }
                t = FCR_PUSH(l->tags, l->nr_tags, l->cap_tags);
                if (!t) {
                        *err = -ENOMEM;
                        return false;
                }
                *t = (struct fc_tag) { .tag = tag, .len = len, .block = blk, .offset = off, .value = val };
                if (tag == FC_TAG_TAIL) {
                        /* The CRC covers everything since the last TAIL,
                         * through this tag's header and tid. */
                        *crc = fcr_crc32c(*crc, b + off, FC_TAG_HDR_LEN + 4);
                        if (get_le32(val) != l->expected_tid || get_le32(val + 4) != *crc) {
                                l->nr_tags--;
                                l->end_reason = FC_END_TAIL_MISMATCH;
                                return false;
                        }
                        l->nr_valid = l->nr_tags;
                        l->nr_commits++;
                        *crc = 0;
                } else
                        *crc = fcr_crc32c(*crc, b + off, FC_TAG_HDR_LEN + len);
                off += FC_TAG_HDR_LEN + len;
        }
        return true;
}

int fc_scan(struct fcr_journal *j, const struct jbd2_super *s, uint32_t expected_tid, uint32_t features,
            fc_validate_fn validate, void *userdata, struct fc_log *ret, struct fcr_diag *d) {
        struct fc_log l = { .expected_tid = expected_tid, .end_reason = FC_END_NONE };
        struct validator v = { .fn = validate, .userdata = userdata, .features = features };
        uint32_t bs = s->blocksize, crc = 0;
        size_t nblocks;
        int err = 0;

        if (s->fc_end <= s->fc_first) {
                *ret = l;
                return 0;
        }
        nblocks = s->fc_end - s->fc_first;
        l.area = malloc(nblocks * bs);
        if (!l.area)
                return -ENOMEM;
        l.end_reason = FC_END_AREA;
        for (size_t i = 0; i < nblocks; i++) {
                uint8_t *b = l.area + i * bs;
                int r = fcr_journal_read(j, s->fc_first + i, b);

                if (r < 0) {
                        /* Not fatal: the log ends here.  Kept in the log,
                         * not in d, which is only for failures. */
                        l.end_reason = FC_END_READ_ERROR;
                        l.read_err = r;
                        break;
                }
                l.area_blocks = i + 1;
                if (!scan_block(&l, i, b, bs, &v, &crc, &err))
                        break;
        }
        if (err < 0) {
                fc_log_done(&l);
                return err;
        }
        *ret = l;
        return 0;
}

void fc_log_done(struct fc_log *l) {
        free(l->area);
        free(l->tags);
        memset(l, 0, sizeof(*l));
}
