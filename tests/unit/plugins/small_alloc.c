/* An allocator plugin whose descriptor claims fewer bytes than the ABI's
 * minimum (an older, incompatible layout). */
#include "test_plugin.h"

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        .abi_version = FCR_ALLOC_ABI_VERSION,
        .struct_size = FCR_ALLOC_PLUGIN_MIN_SIZE - sizeof(void *),
        .name = "small_alloc",
        .alloc = test_alloc,
};
