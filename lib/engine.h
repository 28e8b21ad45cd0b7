/* The engine's inside, for lib/ only: programs see <fcreplay/engine.h>,
 * where the engine is opaque. */
#pragma once
#include <stdbool.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/engine.h>
#include <fcreplay/diag.h>
#include "fastcommit/fc_scan.h"
#include "journal/jbd2_plan.h"
#include "journal/jbd2_scan.h"
#include "journal/jbd2_super.h"
#include "journal/jbd2_write.h"
#include "journal/journal_backup.h"
#include "journal/journal_commit.h"
#include "replay/journal_inode.h"
#include "io/device.h"
#include "io/fs_open.h"
#include "io/journal_io.h"
#include "io/lock.h"
#include "replay/orphans.h"
#include "io/overlay.h"
#include "pluginhost/plugins.h"
#include "replay/replay.h"
#include "replay/jbd2_check.h"

struct fcr_engine {
        char *device;
        struct fcr_device dev;          /* the one descriptor of the device */
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
        struct fcr_plugins *given_plugins;  /* opts.plugins: used instead of loading */
        const struct fcr_alloc_plugin *allocator;
        struct fcr_overlay *overlay;    /* jbd2 result + fast-commit replay */
        struct fcr_replay *replay;      /* NULL without fast commits or orphans */
        struct jbd2_out_block *commit;  /* the replay's result, as apply logs it */
        size_t nr_commit, cap_commit;
        struct fcr_orphans orphans;     /* as the replay releases them (or would) */
        struct fcr_orphans orphans_on_disk; /* inspect: before any replay */
        bool journal_restored;          /* the journal inode, from the backup, in the view */
        enum fcr_state state;
        bool scanned, planned, applied;
        bool wrote;                     /* apply began writing: a failure now is
                                         * never "nothing written" */
        fcr_phase_fn phase;
        fcr_progress_fn progress;
        void *userdata;
        /* fcr_engine_result()'s answer and what it points to. */
        struct fcr_result result;
        struct fcr_tag_count *kinds;
        size_t cap_kinds;
        struct fcr_orphan_result *orphan_results;
};

/* The tag's plugin, or NULL (none loaded, or none for it). */
const struct fcr_tag_plugin *fcr_engine_tag_plugin(const struct fcr_engine *e, uint16_t tag);
/* The filesystem as tag plugins see it. */
void fcr_engine_geometry(const struct fcr_engine *e, struct fcr_fs_geometry *ret);
/* Release what fcr_engine_result() allocated. */
void fcr_result_done(struct fcr_engine *e);

