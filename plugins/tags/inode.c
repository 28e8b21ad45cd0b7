/* INODE (tag 6): le32 ino, then the raw inode (128 bytes up to the
 * filesystem's inode size) as it was when the fast commit was written. */
#include "tag_common.h"

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        uint32_t ino;

        if (len < 4 + 128 || (g->inode_size && len - 4u > g->inode_size))
                return -EINVAL;
        ino = le32(v);
        return ino == 0 || (g->inodes_count && ino > g->inodes_count) ? -EINVAL : 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->inode_replay(c, le32(v), v + 4, len - 4u);
}

FCR_TAG_PLUGIN(6, "INODE", validate, replay);
