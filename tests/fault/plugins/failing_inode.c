/* An INODE tag plugin that accepts every value and fails its replay with
 * -EIO: the replay of the device must stop with nothing written. */
#include <errno.h>
#include <fcreplay/plugin.h>

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return len >= 4 ? 0 : -EINVAL;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return -EIO;
}

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 6,               /* EXT4_FC_TAG_INODE */
        .name = "INODE",
        .validate = validate,
        .replay = replay,
};
