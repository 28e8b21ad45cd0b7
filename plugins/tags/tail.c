/* TAIL (tag 8): le32 tid, le32 crc, then padding: ends one fast commit.
 * The scan checks tid and CRC; replaying it marks the commit boundary. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return len >= 8 ? 0 : -EINVAL;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        if (len < 8)
                return -EINVAL;
        w->num(w, "tid", get_le32(v));
        w->num(w, "crc", get_le32(v + 4));
        w->text(w, "tid %u, crc 0x%08x", get_le32(v), get_le32(v + 4));
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        c->ops->note(c, "end of fast commit (tid %u)", get_le32(v));
        return 0;
}

FCR_TAG_PLUGIN(8, "TAIL", validate, replay, describe);
