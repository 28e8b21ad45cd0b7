/* Fast-commit replay, computed against an in-memory view of the
 * filesystem (overlay) after the jbd2 replay.  Tag plugins do the work
 * through the services of replay_ops.c; replay_finish.c then makes
 * bitmaps, counters, i_blocks and checksums right.  Nothing here writes
 * to the device.  This is the engine's side; what the replay modules
 * share among themselves is in replay_internal.h. */
#pragma once
#include <stdbool.h>
#include <fcreplay/plugin.h>
#include <fcreplay/diag.h>
#include <fcreplay/limits.h>
#include "fastcommit/fc_format.h"
#include "fastcommit/fc_scan.h"
#include "io/overlay.h"
#include "pluginhost/plugins.h"

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
        struct fcr_system_zone *zone;   /* built at the first range mapped (replay_ops.c) */
        uint64_t work;                  /* spent of FCR_REPLAY_WORK_MAX */
        int64_t free_clusters_delta, free_inodes_delta;

        /* Report */
        char **notes;                   /* one line per tag and per orphan, for dry runs */
        size_t nr_notes, cap_notes;     /* at most FCR_NOTES_MAX + 1 */
        bool notes_full;                /* later lines are not kept */
        size_t nr_inodes_touched;
        size_t nr_blocks_allocated;
        size_t nr_blocks_freed;
        size_t nr_tags_done, nr_tags_total;
};

/* Spend n units; -EOPNOTSUPP (refused, the reason in the diag) beyond
 * the bound. */
int fcr_replay_work(struct fcr_replay *r, uint64_t n);

/* Set up the replay over an overlay that already holds the jbd2 result. */
int fcr_replay_new(struct fcr_overlay *ov, const struct fcr_plugins *plugins,
                   const struct fcr_alloc_plugin *alloc, struct fcr_diag *d, struct fcr_replay **ret);
void fcr_replay_free(struct fcr_replay *r);

/* Replay the committed tags of log (there may be none). */
int fcr_replay_run(struct fcr_replay *r, const struct fc_log *log);

/* Then (after the orphans) fix bitmaps, counters and checksums.  The
 * overlay then holds every block to write. */
int fcr_replay_finish(struct fcr_replay *r);

/* Notes for the dry-run report (the engine's and the orphans' too): the
 * first FCR_NOTES_MAX lines, then one that says the rest is left out, so
 * that a log of millions of tags does not make millions of lines. */
#define FCR_NOTES_MAX 16384
void fcr_replay_note_head(struct fcr_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fcr_replay_note(struct fcr_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
