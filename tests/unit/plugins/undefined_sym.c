/* A tag plugin that needs a function nothing defines: dlopen with
 * RTLD_NOW must fail and the loader must pass on dlerror()'s text. */
#include "test_plugin.h"

int fcr_unit_missing_function(void);

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return fcr_unit_missing_function();
}

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 204,
        .head_feature = 1u << 4,
        .name = "UNDEF",
        .validate = test_validate,
        .replay = replay,
};
