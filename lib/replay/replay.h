/* Fast-commit replay, computed against an in-memory view of the
 * filesystem (overlay) after the jbd2 replay.  Tag plugins do the work
 * through the services of replay_ops.c; replay_finish.c then makes
 * bitmaps, counters, i_blocks and checksums right.  Nothing here writes
 * to the device.  This is the engine's side; the replay's state, and
 * what the replay modules share among themselves, is in
 * replay_internal.h. */
#pragma once
#include <stdbool.h>
#include <fcreplay/plugin.h>
#include <fcreplay/diag.h>
#include <fcreplay/limits.h>
#include "fastcommit/fc_format.h"
#include "fastcommit/fc_scan.h"
#include "io/overlay.h"
#include "pluginhost/plugins.h"

/* Opaque: its state is the replay modules' (replay_internal.h). */
struct fcr_replay;

/* What the replay did so far, for the engine's result. */
struct fcr_replay_stats {
        size_t tags_done;
        size_t inodes_touched, blocks_allocated, blocks_freed;
        const char *const *notes;       /* one line per tag and per orphan */
        size_t nr_notes;
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

/* Notes for the dry-run report (the engine's and the orphans' too): the
 * first FCR_NOTES_MAX lines, then one that says the rest is left out, so
 * that a log of millions of tags does not make millions of lines. */
#define FCR_NOTES_MAX 16384
void fcr_replay_note_head(struct fcr_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fcr_replay_note(struct fcr_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void fcr_replay_stats(const struct fcr_replay *r, struct fcr_replay_stats *ret);
