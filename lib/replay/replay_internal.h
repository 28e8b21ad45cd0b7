/* Shared by the replay modules only (replay*.c, the tag services, the
 * orphans and the journal inode's restore): per-inode state and the
 * services tag plugins call. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "replay.h"

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

/* The services handed to tag plugins (replay_ops.c). */
extern const struct fcr_replay_ops fcr_replay_ops;
