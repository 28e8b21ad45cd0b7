/* A tag plugin without its required replay function. */
#include "test_plugin.h"

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 202,
        .name = "NOREPLAY",
        .validate = test_validate,
};
