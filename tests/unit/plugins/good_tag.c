/* A well-formed tag plugin for tag 200, with init and fini. */
#include "test_plugin.h"

static int init(void) {
        test_plugin_log("init good_tag");
        return 0;
}

static void fini(void) {
        test_plugin_log("fini good_tag");
}

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 200,
        .head_feature = 1u << 4,
        .name = "GOOD",
        .validate = test_validate,
        .replay = test_replay,
        .init = init,
        .fini = fini,
};
