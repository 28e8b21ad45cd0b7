/* A well-formed allocator plugin named "testalloc". */
#include "test_plugin.h"

static int init(void) {
        test_plugin_log("init good_alloc");
        return 0;
}

static void fini(void) {
        test_plugin_log("fini good_alloc");
}

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        FCR_ALLOC_PLUGIN_HEADER,
        .name = "testalloc",
        .description = "unit test allocator",
        .alloc = test_alloc,
        .init = init,
        .fini = fini,
};
