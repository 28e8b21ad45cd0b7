/* HEAD (tag 9): le32 features, le32 tid: opens the fast-commit area.  The
 * scan checks features and tid; replaying it changes nothing. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return len == 8 ? 0 : -EINVAL;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        if (len != 8)
                return -EINVAL;
        w->num(w, "features", get_le32(v));
        w->num(w, "tid", get_le32(v + 4));
        w->text(w, "tid %u, features 0x%x", get_le32(v + 4), get_le32(v));
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        c->ops->note(c, "fast commits of tid %u, features 0x%x", get_le32(v + 4), get_le32(v));
        return 0;
}

FCR_TAG_PLUGIN(9, "HEAD", validate, replay, describe);
