/* Fast-commit replay, computed against an in-memory view of the
 * filesystem (overlay) after the jbd2 replay.  Tag plugins do the work
 * through the services in replay_ops.c; replay_finish.c then makes
 * bitmaps, counters, i_blocks and checksums right.  Nothing here writes
 * to the device. */
#pragma once
#include <stdbool.h>
#include <fcreplay/plugin.h>
#include "diag.h"
#include "fastcommit/fc_format.h"
#include "fastcommit/fc_scan.h"
#include "io/overlay.h"
#include "pluginhost/plugins.h"

enum {
        INO_MODIFIED     = 1 << 0,      /* mapping may have changed: re-mark its blocks */
        INO_USED         = 1 << 1,      /* in use at the end (INODE, CREAT) */
        INO_LINKS        = 1 << 2,      /* links changed: delete it if they reach 0 */
        INO_SUBDIRS      = 1 << 3,      /* directory whose subdirectories changed */
        INO_REMOVED_DIR  = 1 << 4,      /* directory whose name was removed */
};

struct ino_state {
        uint32_t ino;
        unsigned flags;
        bool was_used, was_dir;         /* before replay, for the group counters */
};

struct blk_event {
        uint64_t blk;
        bool used;
};

struct claimed_range {
        uint64_t start, len;
};

struct grp_cache;

struct fcr_replay {
        struct fcr_replay_ctx ctx;      /* handed to tag plugins */
        struct fcr_alloc_ctx actx;      /* handed to the allocator */
        struct fcr_fs_geometry geom;
        ext2_filsys fs;                 /* over the overlay */
        struct fcr_overlay *ov;
        const struct fcr_plugins *plugins;
        const struct fcr_alloc_plugin *alloc;
        struct fcr_diag *d;

        struct claimed_range *claimed;
        size_t nr_claimed, cap_claimed;
        void *events;                   /* tsearch tree of struct blk_event */
        void *handed_out;               /* tsearch tree: blocks the allocator gave out */
        uint64_t last_range_blk;        /* new_range()'s last answer */
        void *inodes;                   /* tsearch tree of struct ino_state */
        struct grp_cache **groups;      /* per group, loaded on first use */

        /* Report */
        char **notes;                   /* one line per tag and per orphan, for dry runs */
        size_t nr_notes, cap_notes;
        size_t nr_inodes_touched;
        size_t nr_blocks_allocated;
        size_t nr_blocks_freed;
        size_t nr_tags_done, nr_tags_total;
};

/* Set up the replay over an overlay that already holds the jbd2 result. */
int fcr_replay_new(struct fcr_overlay *ov, const struct fcr_plugins *plugins,
                   const struct fcr_alloc_plugin *alloc, struct fcr_diag *d, struct fcr_replay **ret);
void fcr_replay_free(struct fcr_replay *r);

/* Replay the committed tags of log (there may be none). */
int fcr_replay_run(struct fcr_replay *r, const struct fc_log *log);

/* Then (after the orphans) fix bitmaps, counters and checksums.  The
 * overlay then holds every block to write. */
int fcr_replay_finish(struct fcr_replay *r);

/* Internal to the replay modules. */
struct ino_state *fcr_replay_inode(struct fcr_replay *r, uint32_t ino);
int fcr_replay_event(struct fcr_replay *r, uint64_t blk, bool used);
bool fcr_replay_claimed(const struct fcr_replay *r, uint64_t blk);
bool fcr_replay_block_taken(struct fcr_replay *r, uint64_t blk);
int fcr_replay_hand_out(struct fcr_replay *r, uint64_t blk);
bool fcr_replay_inode_was_in_use(struct fcr_replay *r, uint32_t ino);
void fcr_replay_note_head(struct fcr_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fcr_replay_note(struct fcr_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern const struct fcr_replay_ops fcr_replay_ops;

/* Group bitmaps as the replay view has them (before the final fix-up). */
int fcr_group_block_bitmap(struct fcr_replay *r, uint32_t group, uint8_t **ret);
int fcr_group_inode_bitmap(struct fcr_replay *r, uint32_t group, uint8_t **ret);
bool fcr_group_block_uninit(struct fcr_replay *r, uint32_t group);
void fcr_groups_free(struct fcr_replay *r);

/* The allocator hook (alloc_host.c). */
void fcr_alloc_host_install(struct fcr_replay *r);
/* Record a block libext2fs allocated (inuse > 0) or freed during replay. */
void fcr_replay_alloc_stats(ext2_filsys fs, blk64_t blk, int inuse);
extern const struct fcr_alloc_ops fcr_alloc_ops;
