/* A second tag plugin claiming tag 200, which good_tag handles. */
#include "test_plugin.h"

const struct fcr_tag_plugin fcr_tag_plugin = {
        .abi_version = FCR_TAG_ABI_VERSION,
        .tag = 200,
        .name = "DUP",
        .validate = test_validate,
        .replay = test_replay,
};
