/* A tag plugin whose init fails with -EIO; its fini must never run. */
#include "test_plugin.h"

static int init(void) {
        test_plugin_log("init init_fail");
        return -EIO;
}

static void fini(void) {
        test_plugin_log("fini init_fail");
}

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 203,
        .head_feature = 1u << 4,
        .name = "INITFAIL",
        .validate = test_validate,
        .replay = test_replay,
        .init = init,
        .fini = fini,
};
