/* An allocator plugin built against a newer engine: a larger descriptor
 * (members added at the end) loads, the unknown members left out. */
#include "test_plugin.h"

struct newer_alloc_plugin {
        struct fcr_alloc_plugin known;
        void *future[4];                /* members this engine does not know */
};

const struct newer_alloc_plugin fcr_alloc_plugin = {
        .known = {
                .abi_version = FCR_ALLOC_ABI_VERSION,
                .struct_size = sizeof(struct newer_alloc_plugin),
                .name = "newer",
                .description = "built against a newer engine",
                .alloc = test_alloc,
        },
        .future = { (void *) 1, (void *) 2, (void *) 3, (void *) 4 },
};
