/* Locality: next to the block mapped just before (extent-tree and
 * directory growth stays near the data), else in the inode's own group,
 * else libext2fs's goal; then onwards, wrapping once. */
#include <errno.h>
#include <fcreplay/plugin.h>

static uint64_t choose_goal(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req) {
        const struct fcr_fs_geometry *g = a->geom;
        uint64_t near;

        if (req->ino && a->ops->neighbour(a, req->ino, req->lblk, &near) == 1)
                return near + 1;
        if (req->ino && g->inodes_per_group)
                return g->first_data_block + (uint64_t) ((req->ino - 1) / g->inodes_per_group) * g->blocks_per_group;
        return req->goal;
}

static int alloc(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret) {
        const struct fcr_fs_geometry *g = a->geom;
        uint64_t goal = choose_goal(a, req);

        if (goal < g->first_data_block || goal >= g->blocks_count)
                goal = g->first_data_block;
        if (a->ops->find_free(a, goal, g->blocks_count, ret) == 1)
                return 0;
        return a->ops->find_free(a, g->first_data_block, goal, ret) == 1 ? 0 : -ENOSPC;
}

const struct fcr_alloc_plugin fcr_alloc_plugin = {
        FCR_ALLOC_PLUGIN_HEADER,
        .name = "goal",
        .description = "near the neighbouring extent or the inode's group; skips ranges the log claims",
        .alloc = alloc,
};
