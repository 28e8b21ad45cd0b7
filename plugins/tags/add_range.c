/* ADD_RANGE (tag 1): le32 ino + struct ext4_extent: map a logical range to
 * physical blocks, written or unwritten (ee_len above 32768). */
#include "tag_common.h"

#define MAX_WRITTEN_LEN 32768u      /* ee_len above this: unwritten */

struct range {
        uint32_t ino, lblk, len;
        uint64_t pblk;
        bool unwritten;
};

static struct range decode(const uint8_t *v) {
        uint16_t ee_len = get_le16(v + 8);
        bool unwritten = ee_len > MAX_WRITTEN_LEN;

        return (struct range) {
                .ino = get_le32(v), .lblk = get_le32(v + 4),
                .len = unwritten ? ee_len - MAX_WRITTEN_LEN : ee_len, .unwritten = unwritten,
                .pblk = ((uint64_t) get_le16(v + 10) << 32) | get_le32(v + 12),
        };
}

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        struct range x;

        if (len != 16)
                return -EINVAL;
        x = decode(v);
        /* The kernel records zero-length ranges too; they change nothing. */
        if (!ino_valid(g, x.ino))
                return -EINVAL;
        if (x.len && g->blocks_count && (x.pblk >= g->blocks_count || x.len > g->blocks_count - x.pblk))
                return -EINVAL;
        if ((uint64_t) x.lblk + x.len > 0x100000000ULL)
                return -EINVAL;
        return 0;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        struct range x;

        if (len != 16)
                return -EINVAL;
        x = decode(v);
        w->num(w, "ino", x.ino);
        w->num(w, "lblk", x.lblk);
        w->num(w, "count", x.len);
        w->num(w, "pblk", x.pblk);
        w->flag(w, "unwritten", x.unwritten);
        w->text(w, "ino %u: blocks %u..%u -> %llu%s", x.ino, x.lblk, x.lblk + x.len - 1,
                (unsigned long long) x.pblk, x.unwritten ? " (unwritten)" : "");
        return 0;
}

/* The extent's blocks belong to the file from the log's point of view:
 * nothing allocated during the replay may come from them. */
static int claims(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, fcr_claim_fn claim,
                  void *userdata) {
        struct range x = decode(v);

        return x.len ? claim(userdata, x.pblk, x.len) : 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        struct range x = decode(v);

        if (x.len == 0) {
                c->ops->note(c, "ino %u: empty range", x.ino);
                return 0;
        }
        return c->ops->map_range(c, x.ino, x.lblk, x.len, x.pblk, x.unwritten);
}

FCR_TAG_PLUGIN(1, "ADD_RANGE", validate, replay, describe, .claims = claims);
