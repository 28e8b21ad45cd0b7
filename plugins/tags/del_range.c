/* DEL_RANGE (tag 2): le32 ino, le32 lblk, le32 len: unmap and free. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        uint32_t ino;

        if (len != 12)
                return -EINVAL;
        ino = le32(v);
        return ino == 0 || (g->inodes_count && ino > g->inodes_count) ? -EINVAL : 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->unmap_range(c, le32(v), le32(v + 4), le32(v + 8));
}

FCR_TAG_PLUGIN(2, "DEL_RANGE", validate, replay);
