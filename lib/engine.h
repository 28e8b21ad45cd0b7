/* libfcreplay's entry point: open a device or image, scan and validate
 * its journal, build the replay plan, and apply it.  Plan first, write
 * second: nothing is written before the whole journal has validated. */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>
#include "diag.h"
#include "fastcommit/fc_scan.h"
#include "journal/jbd2_plan.h"
#include "journal/jbd2_scan.h"
#include "journal/jbd2_super.h"
#include "journal/jbd2_write.h"
#include "journal/journal_backup.h"
#include "io/journal_io.h"
#include "io/lock.h"
#include "replay/orphans.h"
#include "io/overlay.h"
#include "pluginhost/plugins.h"
#include "replay/replay.h"

struct fcr_engine_opts {
        const char *device;
        const char *journal_dev;        /* external journal; NULL: find by UUID */
        bool read_only;                 /* inspect and dry runs */
        bool inspect_only;              /* inspect: open read-only, no lock; it
                                         * validates and plans as a replay does */
        const char *plugin_dir;         /* NULL: FCREPLAY_PLUGIN_DIR or built-in */
        const char *allocator;          /* NULL: "kernel" */
        /* While writing only (planning writes nothing), in one unit: called
         * as ("blocks", filesystem blocks written home, blocks to write). */
        fcr_progress_fn progress;
        void *userdata;
        io_manager io_manager;          /* NULL: unix_io_manager; tests wrap it */
};

#define FCR_DEFAULT_ALLOCATOR "kernel"

enum fcr_state {
        FCR_STATE_NO_JOURNAL,           /* no journal: nothing to do */
        FCR_STATE_CLEAN,                /* nothing to replay */
        FCR_STATE_NOT_FLAGGED,          /* log not empty, but the filesystem does not
                                         * ask for recovery: ignored, as the kernel does */
        FCR_STATE_FINISH_ONLY,          /* recovery flag set, log empty */
        FCR_STATE_REPLAY,               /* transactions to replay */
};

struct fcr_engine {
        char *device;
        struct fcr_lock lock;           /* held from open to free, but for inspect */
        io_manager io_manager;
        ext2_filsys fs;
        bool read_only, inspect_only;
        bool has_journal, external_journal, needs_recovery;
        struct fcr_journal *journal;
        uint8_t *jsb_block;             /* journal superblock block as read */
        struct jbd2_super jsb;
        struct jbd2_log log;
        struct fc_log fc;
        struct jbd2_plan plan;
        char *plugin_dir, *allocator_name;
        struct fcr_plugins *plugins;
        const struct fcr_alloc_plugin *allocator;
        struct fcr_overlay *overlay;    /* jbd2 result + fast-commit replay */
        struct fcr_replay *replay;      /* NULL without fast commits or orphans */
        struct jbd2_out_block *commit;  /* the replay's result, as apply logs it */
        size_t nr_commit, cap_commit;
        struct fcr_orphans orphans;     /* inspect: as on disk; replay: as released */
        bool journal_restored;          /* the journal inode, from the backup, in the view */
        enum fcr_state state;
        bool scanned, planned, applied;
        bool wrote;                     /* apply began writing: a failure now is
                                         * never "nothing written" */
        fcr_progress_fn progress;
        void *userdata;
};

/* Open the filesystem (exclusively, unless read-only) and its journal.
 * A mounted device is refused for writing with -EBUSY. */
int fcr_engine_open(const struct fcr_engine_opts *o, struct fcr_engine **ret, struct fcr_diag *d);

/* Read and validate the journal superblock, walk the log and the
 * fast-commit area.  Writes nothing. */
int fcr_engine_scan(struct fcr_engine *e, struct fcr_diag *d);

/* Build and verify the replay plan; refuse what cannot be replayed
 * exactly.  Writes nothing. */
int fcr_engine_plan(struct fcr_engine *e, struct fcr_diag *d);

/* Write the plan, mark the journal empty and clear the recovery flag.
 * With fast commits, their replay is first committed to the log as one
 * jbd2 transaction, so that a cut at any point leaves a journal that
 * replays to the same result. */
int fcr_engine_apply(struct fcr_engine *e, struct fcr_diag *d);

/* Whether apply has begun writing to the device or the journal.  Every
 * "nothing written" message and the refusal exit status (2) depend on
 * it: once it is true, any failure is an operational error.  NULL: false. */
bool fcr_engine_wrote(const struct fcr_engine *e);

/* After planning: the filesystem blocks a replay writes home (the jbd2
 * plan's, then the fast-commit result's), the total of its progress. */
size_t fcr_engine_blocks_to_write(const struct fcr_engine *e);

void fcr_engine_free(struct fcr_engine *e);
static inline void fcr_engine_freep(struct fcr_engine **e) { fcr_engine_free(*e); }
#define _cleanup_engine_ __attribute__((cleanup(fcr_engine_freep)))

const char *fcr_state_str(enum fcr_state s);
