/* A tag plugin built against the smallest descriptor of this ABI: the
 * members after fini are not its own (the loader must read them as
 * absent), though the bytes after its descriptor say otherwise. */
#include "test_plugin.h"

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        return -EIO;
}

const struct fcr_tag_plugin fcr_tag_plugin = {
        .abi_version = FCR_TAG_ABI_VERSION,
        .struct_size = FCR_TAG_PLUGIN_MIN_SIZE,
        .tag = 6,
        .name = "OLDINODE",
        .validate = test_validate,
        .replay = test_replay,
        .describe = describe,
};
