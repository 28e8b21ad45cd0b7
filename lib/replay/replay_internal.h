/* Shared by the replay modules only (replay*.c, the tag services, the
 * blocks, groups and allocator hosts, the orphans and the journal inode's
 * restore): the replay's state, per-inode state and the services tag
 * plugins call. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <fcreplay/limits.h>
#include <fcreplay/plugin.h>
#include "io/overlay.h"
#include "pluginhost/plugins.h"
#include "replay.h"

struct claimed_range;
struct grp_cache;
struct fcr_system_zone;

struct fcr_replay {
        struct fcr_replay_ctx ctx;      /* handed to tag plugins */
        struct fcr_alloc_ctx actx;      /* handed to the allocator */
        struct fcr_fs_geometry geom;
        ext2_filsys fs;                 /* over the overlay */
        struct fcr_overlay *ov;
        const struct fcr_plugins *plugins;
        const struct fcr_alloc_plugin *alloc;
        struct fcr_diag *d;

        /* State of the replay modules (replay_internal.h, blocks.h, groups.h). */
        struct claimed_range *claimed;
        size_t nr_claimed, cap_claimed;
        void *events;                   /* tsearch tree of struct blk_event */
        void *handed_out;               /* tsearch tree: blocks the allocator gave out */
        uint64_t last_range_blk;        /* new_range()'s last answer */
        struct fcr_diag alloc_why;      /* why the allocator hook's last call failed */
        void *inodes;                   /* tsearch tree of struct ino_state */
        struct grp_cache **groups;      /* per group, loaded on first use */
        int group_error;                /* a group that failed to load: nothing is written */
        char *desc_table;               /* see fcr_group_desc_begin() */
        size_t desc_table_size;
        uint64_t sb_free_clusters, sb_free_inodes;      /* the superblock's, as opened */
        int64_t free_clusters_delta, free_inodes_delta;
        struct fcr_system_zone *zone;   /* built at the first range mapped (replay_ops.c) */
        uint64_t work;                  /* spent of FCR_REPLAY_WORK_MAX */

        /* Report */
        char **notes;                   /* one line per tag and per orphan, for dry runs */
        size_t nr_notes, cap_notes;     /* at most FCR_NOTES_MAX + 1 */
        bool notes_full;                /* later lines are not kept */
        size_t nr_inodes_touched;
        size_t nr_blocks_allocated;
        size_t nr_blocks_freed;
        size_t nr_tags_done, nr_tags_total;
};

enum {
        INO_MODIFIED     = 1 << 0,      /* mapping may have changed: re-mark its blocks */
        INO_USED         = 1 << 1,      /* in use at the end (INODE, CREAT) */
        INO_LINKS        = 1 << 2,      /* links changed: delete it if they reach 0 */
        INO_SUBDIRS      = 1 << 3,      /* directory whose subdirectories changed */
        INO_DIR_UNLINKED = 1 << 4,      /* directory whose one name was removed: delete it */
        INO_DELETED      = 1 << 5,      /* deleted by the finish step (any file type) */
};

struct ino_state {
        uint32_t ino;
        unsigned flags;
        bool was_used, was_dir;         /* before replay, for the group counters */
};

/* The state of inode ino, created (with how the group counted it before
 * the replay) on first use; NULL when out of memory. */
struct ino_state *fcr_replay_inode(struct fcr_replay *r, uint32_t ino);

/* In use before the replay, or made so by it. */
bool fcr_replay_inode_was_in_use(struct fcr_replay *r, uint32_t ino);

/* Spend n units of the replay's work; -EOPNOTSUPP (refused, the reason
 * in the diag) beyond FCR_REPLAY_WORK_MAX. */
int fcr_replay_work(struct fcr_replay *r, uint64_t n);

/* The services handed to tag plugins (replay_ops.c). */
extern const struct fcr_replay_ops fcr_replay_ops;
