/* A tag plugin built against a newer engine: its descriptor is larger
 * than this engine's (members added at the end), which must load with
 * the members this engine knows and the rest left out. */
#include "test_plugin.h"

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        return 0;
}

struct newer_tag_plugin {
        struct fcr_tag_plugin known;
        uint64_t future[4];             /* members this engine does not know */
};

const struct newer_tag_plugin fcr_tag_plugin = {
        .known = {
                .abi_version = FCR_TAG_ABI_VERSION,
                .struct_size = sizeof(struct newer_tag_plugin),
                .tag = 201,
                .name = "NEWER",
                .validate = test_validate,
                .replay = test_replay,
                .describe = describe,
                .head_feature = 0x100,
        },
        .future = { ~0ULL, ~0ULL, ~0ULL, ~0ULL },
};
