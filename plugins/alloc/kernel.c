/* The kernel's replay policy: the first free block of the filesystem that
 * no ADD_RANGE of the valid log claims. */
#include <errno.h>
#include <fcreplay/plugin.h>

static int alloc(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret) {
        return a->ops->find_free(a, a->geom->first_data_block, a->geom->blocks_count, ret) == 1 ? 0 : -ENOSPC;
}

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        FCR_ALLOC_PLUGIN_HEADER,
        .name = "kernel",
        .description = "first free block, skipping every range the log claims (the kernel's replay policy)",
        .alloc = alloc,
};
