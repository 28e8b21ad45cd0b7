#include <stdlib.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include <fcreplay/limits.h>
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

int fc_framing_describe(uint16_t tag, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        switch (tag) {
        case FC_TAG_HEAD:
                if (len < FC_HEAD_LEN)
                        return -EINVAL;
                w->num(w, "features", get_le32(v));
                w->num(w, "tid", get_le32(v + 4));
                w->text(w, "tid %u, features 0x%x", get_le32(v + 4), get_le32(v));
                return 0;
        case FC_TAG_TAIL:
                if (len < FC_TAIL_LEN)
                        return -EINVAL;
                w->num(w, "tid", get_le32(v));
                w->num(w, "crc", get_le32(v + 4));
                w->text(w, "tid %u, crc 0x%08x", get_le32(v), get_le32(v + 4));
                return 0;
        case FC_TAG_PAD:
                w->text(w, "%u bytes", len);
                return 0;
        }
        return -ENOENT;
}

/* The scan keeps the framing: HEAD and TAIL's shape, tag numbers the
 * kernel defines.  Everything else about a value is its plugin's word. */
struct validator {
        fc_validate_fn fn;
        void *userdata;
        uint32_t features;              /* HEAD bits the plugins provide */
};

/* One walk of the area (the scan makes two). */
struct walk {
        struct fc_log *l;
        const struct validator *v;
        bool keep;                      /* records of the tags that change the filesystem */
        uint32_t crc;                   /* since the last good TAIL */
        size_t changes, committed_changes;      /* tags that change the filesystem: walked, committed */
        size_t valid;                   /* records through the last good TAIL */
        uint32_t commit_block;          /* the block of the last good TAIL */
        int err;
};

/* 1 valid, 0 invalid, -ENOENT no plugin; unknown tag numbers: -ENOTTY. */
static int check_value(const struct validator *v, const struct fc_log *l, uint16_t tag, const uint8_t *val,
                       uint16_t len) {
        int r;

        if (tag == FC_TAG_HEAD)
                return len == FC_HEAD_LEN;
        if (tag == FC_TAG_TAIL)
                return len >= FC_TAIL_LEN;
        if (tag == FC_TAG_PAD)
                return 1;
        if (tag >= 1 && tag <= FC_TAG_MAX)
                return v->fn ? v->fn(v->userdata, l->head_features, tag, val, len) : 1;
        /* A tag the kernel does not define: only a plugin whose HEAD
         * feature this log announced makes it more than the log's end. */
        if (!v->fn || !l->has_head)
                return -ENOTTY;
        r = v->fn(v->userdata, l->head_features, tag, val, len);
        return r == -ENOENT ? -ENOTTY : r;
}

/* The value check's answer as the log's end, or FC_END_NONE to go on.
 * The first HEAD is remembered, whether its log counts or not. */
static enum fc_end judge(const struct walk *w, uint16_t tag, const uint8_t *val, uint16_t len) {
        struct fc_log *l = w->l;

        switch (check_value(w->v, l, tag, val, len)) {
        case 1:
                break;
        case -ENOTTY:
                return FC_END_UNKNOWN_TAG;
        case -ENOENT:
                return FC_END_NO_PLUGIN;
        default:
                return FC_END_BAD_LENGTH;
        }
        if (tag != FC_TAG_HEAD)
                return FC_END_NONE;
        if (!l->has_head) {
                l->has_head = true;
                l->head_features = get_le32(val);
                l->head_tid = get_le32(val + 4);
        }
        if (get_le32(val) & ~w->v->features)
                return FC_END_UNSUPPORTED;
        return get_le32(val + 4) != l->expected_tid ? FC_END_STALE : FC_END_NONE;
}

/* A TAIL ends a commit when its tid and CRC match: the CRC covers
 * everything since the last TAIL, through this tag's header and tid. */
static bool commit(struct walk *w, uint32_t blk, const uint8_t *hdr) {
        struct fc_log *l = w->l;

        w->crc = fcr_crc32c(w->crc, hdr, FC_TAG_HDR_LEN + 4);
        if (get_le32(hdr + FC_TAG_HDR_LEN) != l->expected_tid || get_le32(hdr + FC_TAG_HDR_LEN + 4) != w->crc)
                return false;
        l->nr_commits++;
        l->nr_committed = ++l->nr_walked;
        w->committed_changes = w->changes;
        w->valid = l->nr_tags;
        w->commit_block = blk;
        w->crc = 0;
        return true;
}

/* One tag accepted: a record when it changes the filesystem. */
static bool accept(struct walk *w, uint16_t tag, uint16_t len, uint32_t blk, uint32_t off, const uint8_t *b) {
        struct fc_log *l = w->l;
        struct fc_tag *t;

        w->crc = fcr_crc32c(w->crc, b + off, FC_TAG_HDR_LEN + len);
        l->nr_walked++;
        if (fc_tag_is_framing(tag))
                return true;
        w->changes++;
        if (!w->keep)
                return true;
        t = FCR_PUSH(l->tags, l->nr_tags, l->cap_tags);
        if (!t) {
                w->err = -ENOMEM;
                return false;
        }
        *t = (struct fc_tag) { .tag = tag, .len = len, .block = blk, .offset = off,
                               .value = b + off + FC_TAG_HDR_LEN };
        return true;
}

/* Walk one block's tags.  Returns true to go on with the next block. */
static bool scan_block(struct walk *w, uint32_t blk, const uint8_t *b, uint32_t bs) {
        struct fc_log *l = w->l;

        /* Older writers leave the last byte of a block unused, newer ones
         * fill it: a tag header needs 4 bytes, whichever wrote it. */
        for (uint32_t off = 0; off + FC_TAG_HDR_LEN <= bs;) {
                uint16_t tag = get_le16(b + off), len = get_le16(b + off + 2);
                const uint8_t *val = b + off + FC_TAG_HDR_LEN;

                l->end_block = blk;
                l->end_offset = off;
                l->end_tag = tag;
                if (blk == 0 && off == 0 && tag != FC_TAG_HEAD) {
                        l->end_reason = FC_END_EMPTY;
                        return false;
                }
                if (off + FC_TAG_HDR_LEN + len > bs) {
                        l->end_reason = tag >= 1 && tag <= FC_TAG_MAX ? FC_END_BAD_LENGTH : FC_END_UNKNOWN_TAG;
                        return false;
                }
                l->end_reason = judge(w, tag, val, len);
                if (l->end_reason == FC_END_NONE && tag == FC_TAG_TAIL && !commit(w, blk, b + off))
                        l->end_reason = FC_END_TAIL_MISMATCH;
                if (l->end_reason != FC_END_NONE)
                        return false;
                if (tag != FC_TAG_TAIL && !accept(w, tag, len, blk, off, b))
                        return false;
                off += FC_TAG_HDR_LEN + len;
        }
        l->end_reason = FC_END_AREA;
        return true;
}

/* Walk blocks [0, n) of the area: into area (n blocks) when given, else
 * through one buffer.  *ret_read: the blocks read and walked. */
static int walk_area(struct fcr_journal *j, const struct jbd2_super *s, struct walk *w, uint8_t *area, size_t n,
                     size_t *ret_read) {
        _cleanup_free_ uint8_t *one = area ? NULL : malloc(s->blocksize);
        size_t i;

        if (!area && !one)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                uint8_t *b = area ? area + i * s->blocksize : one;
                int r = fcr_journal_read(j, s->fc_first + i, b);

                if (r < 0) {
                        /* Not fatal: the log ends here.  Kept in the log,
                         * not in d, which is only for failures. */
                        w->l->end_reason = FC_END_READ_ERROR;
                        w->l->end_block = i;
                        w->l->read_err = r;
                        break;
                }
                if (!scan_block(w, i, b, s->blocksize)) {
                        i++;
                        break;
                }
        }
        *ret_read = i;
        return w->err;
}

int fc_scan(struct fcr_journal *j, const struct jbd2_super *s, uint32_t expected_tid, uint32_t features,
            fc_validate_fn validate, void *userdata, struct fc_log *ret, struct fcr_diag *d) {
        struct fc_log l = { .expected_tid = expected_tid, .end_reason = FC_END_NONE, .blocksize = s->blocksize };
        struct fc_log k = { .expected_tid = expected_tid, .blocksize = s->blocksize };
        struct validator v = { .fn = validate, .userdata = userdata, .features = features };
        struct walk w1 = { .l = &l, .v = &v }, w2 = { .l = &k, .v = &v, .keep = true };
        size_t walked, keep, again;
        int r;

        if (s->fc_end <= s->fc_first) {
                *ret = l;
                return 0;
        }
        /* First the whole area through one block, to find the last commit;
         * then what is kept, which the replay works from. */
        r = walk_area(j, s, &w1, NULL, s->fc_end - s->fc_first, &walked);
        if (r < 0)
                return r;
        /* Each costs a unit of the replay's work at least: refused now,
         * before any of them is kept. */
        if (w1.committed_changes > FCR_REPLAY_WORK_MAX)
                return fcr_fail(d, -EOPNOTSUPP, "the fast-commit log commits %zu tags, more than the %llu units "
                                "of work a replay may take, beyond fcreplay's bound; the kernel's mount replays it",
                                w1.committed_changes, (unsigned long long) FCR_REPLAY_WORK_MAX);
        keep = (l.nr_commits ? w1.commit_block + 1 : 0) + FC_KEEP_AFTER;
        if (keep > walked)
                keep = walked;
        k.area = keep ? malloc(keep * s->blocksize) : NULL;
        if (keep && !k.area)
                return -ENOMEM;
        r = walk_area(j, s, &w2, k.area, keep, &again);
        if (r >= 0 && (k.nr_commits != l.nr_commits || (l.nr_commits && w2.commit_block != w1.commit_block)))
                r = fcr_fail(d, -EIO, "the fast-commit area changed while it was read");
        if (r < 0) {
                fc_log_done(&k);
                return r;
        }
        l.area = k.area;
        l.area_blocks = again;
        l.tags = k.tags;
        l.nr_tags = w2.valid;
        l.cap_tags = k.cap_tags;
        *ret = l;
        return 0;
}

size_t fc_log_foreach(const struct fc_log *l, fc_tag_fn fn, void *userdata) {
        uint32_t bs = l->blocksize;
        size_t seen = 0;

        for (uint32_t blk = 0; blk < l->area_blocks && seen < l->nr_walked; blk++) {
                const uint8_t *b = l->area + (size_t) blk * bs;

                for (uint32_t off = 0; off + FC_TAG_HDR_LEN <= bs && seen < l->nr_walked;) {
                        struct fc_tag t = { .tag = get_le16(b + off), .len = get_le16(b + off + 2), .block = blk,
                                            .offset = off, .value = b + off + FC_TAG_HDR_LEN };

                        if (off + FC_TAG_HDR_LEN + t.len > bs || fn(&t, seen < l->nr_committed, userdata) < 0)
                                return l->nr_walked - seen;
                        seen++;
                        off += FC_TAG_HDR_LEN + t.len;
                }
        }
        return l->nr_walked - seen;
}

void fc_log_done(struct fc_log *l) {
        free(l->area);
        free(l->tags);
        memset(l, 0, sizeof(*l));
}
