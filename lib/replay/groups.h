/* Group cache internals shared by groups.c and replay_finish.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct fcr_replay;

struct grp_cache {
        uint8_t *bbm, *ibm;             /* block (cluster) and inode bitmaps */
        bool block_uninit, inode_uninit;
        bool bbm_dirty, ibm_dirty;
        int32_t dirs_delta;             /* directories gained (lost) */
        uint8_t buf[];
};

struct grp_cache *fcr_group_get(struct fcr_replay *r, uint32_t g);
