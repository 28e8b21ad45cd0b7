/* Per-group bitmaps of the replay view, read on first use and kept
 * until the finish step writes back the groups it changed. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct fcr_replay;

struct grp_cache {
        uint8_t *bbm, *ibm;             /* block (cluster) and inode bitmaps */
        bool block_uninit, inode_uninit;
        bool bbm_dirty, ibm_dirty;
        int32_t dirs_delta;             /* directories gained (lost) */
        uint32_t itable_used;           /* inodes in use up to here, by the replay */
        uint32_t old_free_clusters, old_free_inodes;    /* as loaded: the superblock gets the deltas */
        uint8_t buf[];
};

/* Group g, loaded on first use; NULL if its bitmaps cannot be read
 * (the reason is in the replay's diag). */
struct grp_cache *fcr_group_get(struct fcr_replay *r, uint32_t g);
/* Group g's inode bitmap as the replay view has it (before the finish). */
int fcr_group_inode_bitmap(struct fcr_replay *r, uint32_t g, uint8_t **ret);
void fcr_groups_free(struct fcr_replay *r);
/* Group g's descriptor, changed in place between these two (see groups.c). */
int fcr_group_desc_begin(struct fcr_replay *r, uint32_t g);
int fcr_group_desc_end(struct fcr_replay *r, uint32_t g, int ret);
