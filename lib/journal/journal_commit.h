/* The writes that end a replay, in their order: the fast-commit view
 * committed to the log as one jbd2 transaction, then written home; the
 * journal marked empty; the filesystem's recovery flag cleared.  A cut
 * after any write leaves a journal that replays to the same result. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/diag.h>
#include <fcreplay/engine.h>
#include "io/journal_io.h"
#include "jbd2_super.h"
#include "jbd2_write.h"

struct fcr_commit {
        struct fcr_journal *journal;
        uint8_t *jsb_block;             /* the journal superblock as scanned; rewritten here */
        const struct jbd2_super *jsb;
        io_channel fs_io;               /* the filesystem's: blocks go home through it */
        const char *device;             /* for messages */
        fcr_progress_fn progress;       /* NULL: none */
        void *userdata;
};

/* The view's blocks v[0..n) as transaction tid from log block start, then
 * home, then the journal marked empty expecting tid + 1.  Order:
 * 1. (the caller's) the jbd2 blocks are home and durable;
 * 2. the journal restarts at start, expecting tid: a cut now replays the
 *    fast commits again from the same starting point;
 * 3. the view is logged and committed as transaction tid: a cut now
 *    replays that transaction, and the fast-commit area is stale;
 * 4. the blocks go home, then the journal is marked empty.
 * done: blocks written before, where the progress counts on from. */
int fcr_commit_view(const struct fcr_commit *c, uint32_t tid, uint32_t start, const struct jbd2_out_block *v,
                    size_t n, size_t done, struct fcr_diag *d);

/* Mark the journal empty, the next transaction next_tid: from then on a
 * rerun finds nothing to replay, so every replayed block must be on disk. */
int fcr_commit_journal_empty(const struct fcr_commit *c, uint32_t next_tid, struct fcr_diag *d);

/* Clear the recovery flag in fs's superblock as it is on disk now (the
 * replay has usually rewritten it, so fs's copy is stale), and with
 * journal_error mark the filesystem with errors.  Read and written
 * through fs's channel, without reopening: nothing here can refuse once
 * blocks went home.  One write of the whole superblock: a cut between the
 * flag and the checksum would leave a superblock that no longer opens. */
int fcr_commit_superblock(ext2_filsys fs, const char *device, bool journal_error, struct fcr_diag *d);
