/* ADD_RANGE (tag 1): le32 ino + struct ext4_extent: map a logical range to
 * physical blocks, written or unwritten (ee_len above 32768). */
#include "tag_common.h"

static void decode(const uint8_t *v, uint32_t *ino, uint32_t *lblk, uint32_t *len, uint64_t *pblk, bool *unwritten) {
        uint16_t ee_len = le16(v + 8);

        *ino = le32(v);
        *lblk = le32(v + 4);
        *unwritten = ee_len > 32768;
        *len = *unwritten ? ee_len - 32768u : ee_len;
        *pblk = ((uint64_t) le16(v + 10) << 32) | le32(v + 12);
}

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        uint32_t ino, lblk, n;
        uint64_t pblk;
        bool unwritten;

        if (len != 16)
                return -EINVAL;
        decode(v, &ino, &lblk, &n, &pblk, &unwritten);
        /* The kernel records zero-length ranges too; they change nothing. */
        if (ino == 0 || (g->inodes_count && ino > g->inodes_count))
                return -EINVAL;
        if (n && g->blocks_count && (pblk >= g->blocks_count || n > g->blocks_count - pblk))
                return -EINVAL;
        if ((uint64_t) lblk + n > 0x100000000ULL)
                return -EINVAL;
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        uint32_t ino, lblk, n;
        uint64_t pblk;
        bool unwritten;

        decode(v, &ino, &lblk, &n, &pblk, &unwritten);
        if (n == 0) {
                c->ops->note(c, "ino %u: empty range", ino);
                return 0;
        }
        return c->ops->map_range(c, ino, lblk, n, pblk, unwritten);
}

FCR_TAG_PLUGIN(1, "ADD_RANGE", validate, replay);
