/* A second tag plugin claiming tag 200, which good_tag handles. */
#include "test_plugin.h"

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 200,
        .head_feature = 1u << 4,
        .name = "DUP",
        .validate = test_validate,
        .replay = test_replay,
};
