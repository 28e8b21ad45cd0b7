/* TAIL (tag 8): le32 tid, le32 crc, then padding: ends one fast commit.
 * The scan checks tid and CRC; replaying it marks the commit boundary. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return len >= 8 ? 0 : -EINVAL;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        c->ops->note(c, "end of fast commit (tid %u)", le32(v));
        return 0;
}

FCR_TAG_PLUGIN(8, "TAIL", validate, replay);
