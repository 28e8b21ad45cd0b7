/* A tag plugin built for another ABI version. */
#include "test_plugin.h"

const struct fcr_tag_plugin fcr_tag_plugin = {
        .abi_version = FCR_TAG_ABI_VERSION + 98,
        .struct_size = sizeof(struct fcr_tag_plugin),
        .tag = 201,
        .name = "BADABI",
        .validate = test_validate,
        .replay = test_replay,
};
