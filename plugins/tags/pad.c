/* PAD (tag 7): filler to the end of a block; replays as nothing. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return 0;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        w->text(w, "%u bytes", len);
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        c->ops->note(c, "%u bytes of padding", len);
        return 0;
}

FCR_TAG_PLUGIN(7, "PAD", validate, replay, describe);
