/* A tag plugin for TAIL, which is framing: the engine decodes it, and
 * refuses a plugin that claims it (fcreplay 0.1.0 shipped tail.so). */
#include "test_plugin.h"

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 8,
        .name = "TAIL",
        .validate = test_validate,
        .replay = test_replay,
};
