/* An allocator plugin without its required alloc function. */
#include "test_plugin.h"

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        FCR_ALLOC_PLUGIN_HEADER,
        .name = "noalloc",
};
