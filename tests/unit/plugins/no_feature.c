/* A tag plugin for a tag the kernel does not define, without the HEAD
 * feature bit that would announce it. */
#include "test_plugin.h"

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 205,
        .name = "NOFEATURE",
        .validate = test_validate,
        .replay = test_replay,
};
