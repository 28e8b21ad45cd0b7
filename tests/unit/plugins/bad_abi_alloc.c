/* An allocator plugin built for another ABI version. */
#include "test_plugin.h"

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        .abi_version = FCR_ALLOC_ABI_VERSION + 41,
        .struct_size = sizeof(struct fcr_alloc_plugin),
        .name = "badabi",
        .alloc = test_alloc,
};
