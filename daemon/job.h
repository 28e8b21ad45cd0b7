/* One replay: its worker (worker.h), its time limit, its progress, and
 * its end, which goes outcome -> state -> retirement:
 *   - the outcome: how it ended, from what the daemon did (stopped,
 *     cancelled, timed out) and what the worker reported;
 *   - the state: a table gives the device's state after each result,
 *     and whether its superblock decides instead (nothing was written:
 *     it is read again, in the probe's child);
 *   - the retirement: the device takes the result, the journal and D-Bus
 *     hear of it, a held device is released, the next replay starts.
 * Jobs outlive their end a little (the last FCRD_DONE_JOBS are kept) so
 * that clients can read how they ended. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "child.h"
#include "hold.h"
#include "manager.h"
#include "result.h"

struct fcrd_job {
        struct fcrd_manager *m;
        struct fcrd_device *dev;
        unsigned id;                    /* /org/fcreplay1/job/<id> */
        struct fcrd_child *child;       /* the worker; NULL once it ended */
        bool writing, timed_out, cancelled;
        bool stopped;                   /* by the daemon's own stop, before writing */
        bool reprobing;                 /* ended; its device's superblock is read again */
        bool finished;                  /* retired */
        bool dry_run;
        int status;                     /* the worker's wait status */
        uint64_t start_usec, start_realtime_usec, write_start_usec;
        uint64_t done, total;           /* blocks written, to write: known once planned */
        enum fcrd_result result;        /* from the worker, or how it was stopped */
        char message[512];
        long tags;
        char allocator[64];
        struct fcrd_hold_key hold;      /* the incarnation replayed, released at the end */
};

/* Start a replay of d (o: NULL for an automatic one).  NULL when it could
 * not start (logged; the device is "failed"). */
struct fcrd_job *fcrd_job_start(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_replay_opts *o);

/* Cancel it before it writes: -EBUSY once it writes or has ended. */
int fcrd_job_cancel(struct fcrd_job *j);

/* fcreplayd stops: a replay that has not begun writing is killed
 * (nothing written), one that writes is waited for; then retired. */
void fcrd_job_stop(struct fcrd_job *j);

/* The outcome: the result and message, from what the daemon did to it
 * first (stopped, cancelled, timed out), then from the worker's word (a
 * worker that ended without one failed). */
void fcrd_job_outcome(struct fcrd_job *j);

/* The table: the device's state after result r, and (*ret_reprobe)
 * whether its superblock, read again, decides instead. */
enum fcrd_state fcrd_job_end_state(enum fcrd_result r, bool *ret_reprobe);

/* "running", "writing", "completed", "failed", "cancelled". */
const char *fcrd_job_state(const struct fcrd_job *j);

/* Free a retired job, or at exit one whose worker is then killed (one
 * that writes is waited for). */
void fcrd_job_free(struct fcrd_job *j);
