/* libfcreplay's public face: open a device or image, scan and validate
 * its journal, build the replay plan, and apply it.  Plan first, write
 * second: nothing is written before the whole journal has validated.
 *
 * The engine is opaque.  What a program shows of it comes from
 * fcr_engine_result() (and, as JSON, <fcreplay/report.h>). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/allocators.h>
#include <fcreplay/diag.h>

struct fcr_engine;

/* Progress while writing, in one unit: filesystem blocks written home,
 * of the blocks to write.  Planning writes nothing and reports no count. */
typedef void (*fcr_progress_fn)(uint64_t done, uint64_t total, void *userdata);

/* The phases of a replay, one model for every program: planning (the
 * journal read and validated, fast commits replayed in memory: nothing
 * written), then writing (progress in blocks), then done. */
enum fcr_phase {
        FCR_PHASE_PLANNING,
        FCR_PHASE_WRITING,
        FCR_PHASE_DONE,
};
typedef void (*fcr_phase_fn)(enum fcr_phase phase, void *userdata);
const char *fcr_phase_str(enum fcr_phase p);

/* The device as the caller probed it (fcreplayd's worker, the initramfs
 * script): fcr_engine_open() refuses another with -ESTALE, nothing
 * written.  Fields left zero (uuid NULL) are not checked. */
struct fcr_expect {
        dev_t devnum;                   /* the block device's number (st_rdev) */
        uint64_t diskseq;               /* its disk's sequence number (udev's DISKSEQ,
                                         * /sys/block/DISK/diskseq): a loop device given
                                         * another file, or new media, has a new one */
        const char *uuid;               /* the filesystem's UUID, as blkid prints it */
};

struct fcr_engine_opts {
        const char *device;
        const char *journal_dev;        /* external journal; NULL: find by UUID */
        bool read_only;                 /* inspect and dry runs */
        bool inspect_only;              /* inspect: open read-only, no lock; it
                                         * validates and plans as a replay does */
        const char *plugin_dir;         /* NULL: FCREPLAY_PLUGIN_DIR or built-in */
        struct fcr_plugins *plugins;    /* NULL: loaded from plugin_dir when the log
                                         * needs them; else this set is used (a
                                         * reference is taken), see plugin_set.h */
        const char *allocator;          /* NULL: "kernel" */
        fcr_phase_fn phase;             /* as each phase begins */
        fcr_progress_fn progress;       /* while writing only */
        void *userdata;                 /* for both */
        io_manager io_manager;          /* NULL: unixfd_io_manager, given the number of
                                         * the engine's descriptor as the name; tests
                                         * wrap it */
        struct fcr_expect expect;       /* the device probed; zero: not checked */
};

enum fcr_state {
        FCR_STATE_NO_JOURNAL,           /* no journal: nothing to do */
        FCR_STATE_CLEAN,                /* nothing to replay */
        FCR_STATE_NOT_FLAGGED,          /* log not empty, but the filesystem does not
                                         * ask for recovery: ignored, as the kernel does */
        FCR_STATE_FINISH_ONLY,          /* recovery flag set, log empty */
        FCR_STATE_REPLAY,               /* transactions to replay */
};

/* Whether path is something a filesystem can be read from: a block
 * device or a regular file.  Looked at with stat(), without opening it
 * (a FIFO would block, a character device may act on open); anything
 * else is -EMEDIUMTYPE, "PATH is a FIFO, not a block device or a regular
 * file".  fcr_engine_open() checks it first; fcreplayd checks
 * caller-named paths with it. */
int fcr_check_file_type(const char *path, struct fcr_diag *d);

/* Open the filesystem (exclusively, unless read-only) and its journal,
 * each device once: everything after reads and writes through that
 * descriptor.  A mounted device is refused for writing with -EBUSY; what
 * is neither a block device nor a regular file with -EMEDIUMTYPE; a
 * device that is not the one o->expect describes with -ESTALE; an
 * external journal whose user list does not hold the filesystem's UUID
 * (another filesystem's journal) with -EUCLEAN. */
int fcr_engine_open(const struct fcr_engine_opts *o, struct fcr_engine **ret, struct fcr_diag *d);

/* Read and validate the journal superblock, walk the log and the
 * fast-commit area.  Writes nothing. */
int fcr_engine_scan(struct fcr_engine *e, struct fcr_diag *d);

/* Build and verify the replay plan; refuse what cannot be replayed
 * exactly.  Writes nothing. */
int fcr_engine_plan(struct fcr_engine *e, struct fcr_diag *d);

/* Write the plan, mark the journal empty and clear the recovery flag.
 * First, before any write, the devices are checked again: the same disks
 * (sequence number, size; o->expect as at open), the superblocks as they
 * were read; else -ESTALE, nothing written.
 * With fast commits, their replay is first committed to the log as one
 * jbd2 transaction, so that a cut at any point leaves a journal that
 * replays to the same result. */
int fcr_engine_apply(struct fcr_engine *e, struct fcr_diag *d);

/* After planning: the filesystem blocks a replay writes home (the jbd2
 * plan's, then the fast-commit result's), the total of its progress. */
size_t fcr_engine_blocks_to_write(const struct fcr_engine *e);

/* Whether apply has begun writing to the device or the journal.  Every
 * "nothing written" message and the refusal exit status (2) depend on
 * it: once it is true, any failure is an operational error.  NULL: false. */
bool fcr_engine_wrote(const struct fcr_engine *e);

void fcr_engine_free(struct fcr_engine *e);
static inline void fcr_engine_freep(struct fcr_engine **e) { fcr_engine_free(*e); }
#define _cleanup_engine_ __attribute__((cleanup(fcr_engine_freep)))

const char *fcr_state_str(enum fcr_state s);

/* Fast-commit tags replayed, by kind. */
struct fcr_tag_count {
        uint16_t tag;
        const char *name;               /* the plugin's */
        size_t count;
};

struct fcr_orphan_result {
        uint32_t ino;
        bool in_file;                   /* from the orphan file, else the list */
        unsigned links;
        uint64_t size;
        const char *action;             /* "delete", "truncate", "unlist" */
        uint64_t blocks_freed;          /* once released */
};

/* What the engine found, planned or did, for printers, reports and the
 * daemon.  Valid until the next call on the engine or its free. */
struct fcr_result {
        const char *device;
        enum fcr_state state;
        bool planned;
        bool written;                   /* applied: the plan is on the device */
        size_t blocks_to_write;         /* after planning */

        bool has_journal, external_journal;
        /* The journal inode was damaged and read through the superblock's
         * backup; restored: the replay puts it back from there. */
        bool journal_from_backup, journal_restored;
        const char *journal_inode_damage;

        /* jbd2 (state REPLAY): transactions first_tid..next_tid - 1. */
        uint32_t first_tid, next_tid;
        size_t transactions, logged_blocks, revoked, revoke_records, jbd2_blocks;
        uint32_t log_end_block;
        const char *log_end_reason;

        /* Fast commits. */
        bool has_fc_area;
        size_t fc_commits, fc_committed_tags;
        const char *fc_end_reason;

        /* The in-memory view (fast commits, orphans, the journal inode),
         * committed to the journal as transaction view_tid first. */
        bool has_view;
        size_t fc_tags_replayed;
        const struct fcr_tag_count *tags_by_kind;
        size_t nr_kinds;
        size_t inodes_touched, blocks_allocated, blocks_freed;
        const char *allocator;          /* NULL: none was needed */
        size_t view_blocks;
        uint32_t view_tid;
        /* One line per replayed tag ("[block:offset] NAME: what") and
         * per orphan, in order: the plan of a dry run. */
        const char *const *notes;
        size_t nr_notes;

        /* Orphans as the replay releases them (or would); inspect reports
         * those on disk before the replay apart (fcr_report_inspect). */
        bool has_orphans;               /* any pending, or left alone */
        const char *orphans_left_alone; /* why, or NULL */
        /* The list is damaged (why, or NULL): released up to the damage,
         * head cleared, the filesystem marked with errors. */
        const char *orphan_list_damage;
        bool orphans_released;
        uint32_t orphan_list_head, orphan_file_ino;
        bool orphan_present;
        size_t orphan_file_blocks;      /* orphan-file blocks with entries */
        const struct fcr_orphan_result *orphans;
        size_t nr_orphans;
};

/* The engine's findings so far (after scan, plan or apply). */
const struct fcr_result *fcr_engine_result(struct fcr_engine *e);

/* Settings: fcr_plugin_dir() and the allocators are in
 * <fcreplay/allocators.h>. */
