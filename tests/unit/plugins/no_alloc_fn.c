/* An allocator plugin without its required alloc function. */
#include "test_plugin.h"

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        .abi_version = FCR_ALLOC_ABI_VERSION,
        .name = "noalloc",
};
