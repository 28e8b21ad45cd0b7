/* INODE (tag 6): le32 ino, then the raw inode (128 bytes up to the
 * filesystem's inode size) as it was when the fast commit was written. */
#include "tag_common.h"

#define GOOD_OLD_INODE_SIZE 128

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        if (len < 4 + GOOD_OLD_INODE_SIZE || (g->inode_size && len - 4u > g->inode_size))
                return -EINVAL;
        return ino_valid(g, get_le32(v)) ? 0 : -EINVAL;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        const uint8_t *raw = v + 4;
        uint64_t size;

        if (len < 4 + GOOD_OLD_INODE_SIZE)
                return -EINVAL;
        /* i_mode, i_links_count, i_size_lo and i_size_high. */
        size = get_le32(raw + 0x04) | ((uint64_t) get_le32(raw + 0x6C) << 32);
        w->num(w, "ino", get_le32(v));
        w->num(w, "raw_size", len - 4u);
        w->num(w, "mode", get_le16(raw));
        w->num(w, "links", get_le16(raw + 0x1A));
        w->num(w, "size", size);
        w->text(w, "ino %u: mode 0%o, links %u, size %llu (%u raw bytes)", get_le32(v), get_le16(raw),
                get_le16(raw + 0x1A), (unsigned long long) size, len - 4u);
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->inode_replay(c, get_le32(v), v + 4, len - 4u);
}

FCR_TAG_PLUGIN(6, "INODE", validate, replay, describe);
