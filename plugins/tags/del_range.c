/* DEL_RANGE (tag 2): le32 ino, le32 lblk, le32 len: unmap and free. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return len == 12 && ino_valid(g, get_le32(v)) ? 0 : -EINVAL;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        if (len != 12)
                return -EINVAL;
        w->num(w, "ino", get_le32(v));
        w->num(w, "lblk", get_le32(v + 4));
        w->num(w, "count", get_le32(v + 8));
        w->text(w, "ino %u: blocks %u..+%u", get_le32(v), get_le32(v + 4), get_le32(v + 8));
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->unmap_range(c, get_le32(v), get_le32(v + 4), get_le32(v + 8));
}

FCR_TAG_PLUGIN(2, "DEL_RANGE", validate, replay, describe);
