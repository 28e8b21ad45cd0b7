/* The device table and the replay queue: which devices fcreplayd knows,
 * their state (clean, dirty, mounted, replaying, replayed, refused,
 * failed), the
 * replays running (at most `parallel`, never two on one device), their
 * time limits, and what systemd is told (READY=1 once the initial pass is
 * done, STATUS=, EXTEND_TIMEOUT_USEC=). */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>
#include "child.h"
#include "daemon_config.h"
#include "hold.h"
#include "result.h"

/* FCRD_MOUNTED: in use, whatever its flags say (ext4 keeps needs_recovery
 * set while mounted), so never dirty. */
enum fcrd_state { FCRD_CLEAN, FCRD_DIRTY, FCRD_MOUNTED, FCRD_REPLAYING, FCRD_REPLAYED, FCRD_REFUSED, FCRD_FAILED };

struct fcrd_device;
struct fcrd_manager;

/* One replay.  Jobs outlive their end a little (the last few are kept)
 * so that clients can read how they ended. */
struct fcrd_job {
        struct fcrd_manager *m;
        struct fcrd_device *dev;
        unsigned id;                    /* /org/fcreplay1/job/<id> */
        struct fcrd_child child;        /* the replay process, reporting on its pipe */
        int go_fd;
        char buf[1024];
        size_t len;
        bool writing, timed_out, cancelled, exited, eof, finished;
        bool stopped;                   /* by the daemon's own stop, before writing */
        bool dry_run;
        int status;
        uint64_t start_usec, start_realtime_usec, write_start_usec;
        unsigned long long done, total;         /* blocks written, to write: known once planned */
        enum fcrd_result result;        /* from the worker, or how it was stopped */
        char message[512];
        long tags;
        char allocator[64];
        struct fcrd_hold_key hold;      /* the incarnation replayed, released at the end */
};

/* What changed, for the D-Bus side. */
enum fcrd_change { FCRD_DEVICE_CHANGED, FCRD_JOB_PROGRESS, FCRD_JOB_DONE, FCRD_MANAGER_CHANGED };

struct fcrd_device {
        char *node;
        char uuid[40], label[64];
        char backing[PATH_MAX];         /* a loop device's file, for the logs */
        enum fcrd_state state;
        enum fcrd_result last_result;
        char last_message[512];
        long tags_replayed;
        uint64_t usec_taken;
        bool queued;
        struct fcrd_job *job;
};

struct fcrd_manager {
        sd_event *event;
        struct fcrd_config config;
        struct fcrd_device **devices;
        size_t n_devices, cap_devices;
        unsigned running;
        bool initial_pass;              /* READY=1 not sent yet */
        bool discovery_done;            /* the initial enumeration is over */
        bool stopping;                  /* fcrd_manager_stop(): start nothing */
        /* Excluded devices logged already ("NODE UUID"), so that each is
         * logged once and not on every uevent; forgotten on reload. */
        char **excluded;
        size_t n_excluded, cap_excluded;
        struct fcrd_job *done_jobs[8];  /* the last jobs that ended */
        unsigned next_job_id;
        /* Told of every change (the D-Bus side); may be NULL. */
        void (*on_change)(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d,
                          struct fcrd_job *j);
        void *bus;
};

/* Options of a replay asked for by an admin. */
struct fcrd_replay_opts {
        const char *allocator;          /* NULL: the configured one */
        bool dry_run, force;
};

/* Why a replay could not start (a D-Bus error name's last part). */
struct fcrd_refusal {
        const char *name;               /* Busy, NotDirty, NoSuchDevice, NotExt4, Mounted, Failed */
        char message[256];
};

/* How a replay asked for ended up: r >= 0 with its job, or the refusal. */
typedef void (*fcrd_replay_done_fn)(int r, struct fcrd_job *j, const struct fcrd_refusal *why, void *userdata);

/* Start a replay of devnode.  The device is probed in a child process,
 * under the time limit (the caller names it: it may hang), and done is
 * called once that is over, with the job or why there is none.  A
 * negative errno (with why, for -EINVAL) when it cannot even begin: done
 * is not called then. */
int fcrd_manager_replay(struct fcrd_manager *m, const char *devnode, const struct fcrd_replay_opts *o,
                        fcrd_replay_done_fn done, void *userdata, struct fcrd_refusal *why);

/* Cancel a job that has not begun writing: -EBUSY once it writes or ended. */
int fcrd_manager_cancel(struct fcrd_manager *m, struct fcrd_job *j);

struct fcrd_job *fcrd_manager_find_job(struct fcrd_manager *m, unsigned id);
struct fcrd_device *fcrd_manager_find_device(struct fcrd_manager *m, const char *devnode);
const char *fcrd_manager_state(const struct fcrd_manager *m);

const char *fcrd_state_str(enum fcrd_state s);

/* A block device appeared or changed: probe it and, if it is a dirty ext4
 * the configuration wants, queue a replay. */
void fcrd_manager_consider(struct fcrd_manager *m, const char *devnode);

/* STATUS= with prefix ("READY=1\n" or ""): the replays running, or an
 * idle line. */
void fcrd_manager_notify_status(struct fcrd_manager *m, const char *prefix);

/* The mount table changed: known devices mounted since are "mounted";
 * those unmounted get their state from their superblock again (probed in
 * a child).  Device numbers are compared, no superblock read for the
 * rest. */
void fcrd_manager_mounts_changed(struct fcrd_manager *m);

/* The initial enumeration is over: READY=1 once its replays are done. */
void fcrd_manager_discovery_done(struct fcrd_manager *m);

/* A new configuration (reload), which the manager takes over. */
void fcrd_manager_set_config(struct fcrd_manager *m, struct fcrd_config *c);

/* Stopping: log each device's fate.  A replay that has not begun writing
 * is stopped, nothing written; one that writes is waited for and its
 * result logged; a queued one is left as it is. */
void fcrd_manager_stop(struct fcrd_manager *m);

void fcrd_manager_free(struct fcrd_manager *m);
