/* fcreplayd's core: the devices it knows and their state (clean, dirty,
 * mounted, replaying, replayed, refused, failed), the replay queue (at
 * most `parallel` at once, never two on one device) and what systemd is
 * told (READY=1 once the initial pass is done).  Its parts:
 *   devices.c      the device table
 *   consider.c     a device udev announces: the configuration, the probe
 *                  (prober.h), the decision
 *   job.c          one replay (job.h), from start to its retirement
 *   requests.c     what D-Bus asks for: a replay, a cancel
 *   mount_state.c  mounts and unmounts change a device's state
 *   notify.c       sd_notify: STATUS=, READY=1, EXTEND_TIMEOUT_USEC=
 *   manager.c      the queue, the initial pass, reload and stop */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>
#include "daemon_config.h"
#include "log.h"
#include "prober.h"
#include "result.h"

/* FCRD_MOUNTED: in use, whatever its flags say (ext4 keeps needs_recovery
 * set while mounted), so never dirty. */
enum fcrd_state { FCRD_CLEAN, FCRD_DIRTY, FCRD_MOUNTED, FCRD_REPLAYING, FCRD_REPLAYED, FCRD_REFUSED, FCRD_FAILED };

struct fcrd_job;
struct fcrd_manager;

/* What changed, for the D-Bus side. */
enum fcrd_change { FCRD_DEVICE_CHANGED, FCRD_JOB_PROGRESS, FCRD_JOB_DONE, FCRD_MANAGER_CHANGED };

struct fcrd_device {
        char *node;
        /* As the last probe read it: a replay writes only that device
         * (the engine's fcr_expect), the UUID included. */
        dev_t devnum;
        uint64_t diskseq;
        char uuid[40], label[64];
        char *backing;                  /* a loop device's file, for the logs; NULL: none */
        enum fcrd_state state;
        enum fcrd_result last_result;
        char last_message[512];
        long tags_replayed;
        uint64_t usec_taken;
        bool queued;
        struct fcrd_job *job;
};

#define FCRD_DONE_JOBS 8

struct fcrd_manager {
        sd_event *event;
        struct fcrd_config config;
        struct fcrd_device **devices;
        size_t n_devices, cap_devices;
        struct fcrd_prober *prober;     /* the devices udev announces, and re-reads after a replay */
        unsigned running;
        bool initial_pass;              /* READY=1 not sent yet */
        bool discovery_done;            /* the initial enumeration is over */
        bool stopping;                  /* fcrd_manager_stop(): start nothing */
        /* Excluded devices logged already ("NODE UUID"), so that each is
         * logged once and not on every uevent; forgotten on reload. */
        char **excluded;
        size_t n_excluded, cap_excluded;
        struct fcrd_job *done_jobs[FCRD_DONE_JOBS];     /* the last jobs that ended */
        unsigned next_job_id;
        /* Told of every change (the D-Bus side); may be NULL. */
        void (*on_change)(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d,
                          struct fcrd_job *j);
        void *bus;
};

/* Set up m (its event loop set): 0 or a negative errno. */
int fcrd_manager_init(struct fcrd_manager *m);

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

/* requests.c: start a replay of devnode.  The device is probed in a
 * child process, under the time limit (the caller names it: it may
 * hang), and done is called once that is over, with the job or why there
 * is none.  A negative errno (with why, for -EINVAL) when it cannot even
 * begin: done is not called then. */
int fcrd_manager_replay(struct fcrd_manager *m, const char *devnode, const struct fcrd_replay_opts *o,
                        fcrd_replay_done_fn done, void *userdata, struct fcrd_refusal *why);

/* requests.c: cancel a job that has not begun writing: -EBUSY once it
 * writes or ended. */
int fcrd_manager_cancel(struct fcrd_manager *m, struct fcrd_job *j);

struct fcrd_job *fcrd_manager_find_job(struct fcrd_manager *m, unsigned id);
const char *fcrd_manager_state(const struct fcrd_manager *m);

/* What udev says of a block device that appeared or changed (discover.c). */
struct fcrd_udev_props {
        const char *node;
        /* udev's database has the device: the rest is its word (NULL:
         * none).  Without it (no udevd, or not processed yet) the device
         * is read to know what it holds. */
        bool known;
        const char *fs_type, *uuid, *label;
};

/* consider.c: a block device appeared or changed.  The configuration is
 * matched on udev's word first, with no read; the device is read only in
 * the probe's child (prober.h), under the time limit; a dirty ext4 the
 * configuration wants is queued for a replay. */
void fcrd_manager_consider(struct fcrd_manager *m, const struct fcrd_udev_props *u);

/* notify.c: STATUS= with prefix ("READY=1\n" or ""): the replays
 * running, or an idle line. */
void fcrd_manager_notify_status(struct fcrd_manager *m, const char *prefix);

/* mount_state.c: the mount table changed: known devices mounted since
 * are "mounted"; those unmounted get their state from their superblock
 * again (probed in a child).  Device numbers are compared, no superblock
 * read for the rest. */
void fcrd_manager_mounts_changed(struct fcrd_manager *m);

/* The initial enumeration is over: READY=1 once its probes and replays
 * are done. */
void fcrd_manager_discovery_done(struct fcrd_manager *m);

/* A new configuration (reload), which the manager takes over. */
void fcrd_manager_set_config(struct fcrd_manager *m, struct fcrd_config *c);

/* Stopping: log each device's fate.  A replay that has not begun writing
 * is stopped, nothing written; one that writes is waited for and its
 * result logged; a queued one is left as it is. */
void fcrd_manager_stop(struct fcrd_manager *m);

void fcrd_manager_free(struct fcrd_manager *m);

/* The manager's parts among themselves. */

/* devices.c */
const char *fcrd_state_str(enum fcrd_state s);
struct fcrd_device *fcrd_device_find(struct fcrd_manager *m, const char *node);
struct fcrd_device *fcrd_device_add(struct fcrd_manager *m, const char *node);
/* What a probe says: mounted wins, as ext4 keeps needs_recovery set on a
 * mounted filesystem. */
enum fcrd_state fcrd_probed_state(const struct fcrd_probe *p);
/* Take the probe's UUID, label, backing file and (set_state) state. */
void fcrd_device_probed(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_probe *p, bool set_state);
void fcrd_device_set_state(struct fcrd_manager *m, struct fcrd_device *d, enum fcrd_state s);
/* A device's journal fields: what the admin knows it by. */
struct fcrd_fields fcrd_device_fields(const struct fcrd_device *d, enum fcrd_result result, long tags,
                                      const char *allocator);
/* Whether the filesystem at node was logged as excluded already;
 * remembers it if not.  Forgotten: after a reload. */
bool fcrd_excluded_before(struct fcrd_manager *m, const char *node, const char *uuid);
void fcrd_excluded_forget(struct fcrd_manager *m);
void fcrd_devices_free(struct fcrd_manager *m);

/* notify.c: a replay started (planning, no count yet), or writing. */
void fcrd_notify_planning(struct fcrd_manager *m, const char *node);
void fcrd_notify_writing(struct fcrd_manager *m, const char *node, uint64_t done, uint64_t total);

/* manager.c */
void fcrd_manager_changed(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d, struct fcrd_job *j);
/* Start what is queued, as far as `parallel` allows. */
void fcrd_manager_pump(struct fcrd_manager *m);
/* READY=1 (with its status line) if the initial pass is over: true when
 * sent now. */
bool fcrd_manager_maybe_ready(struct fcrd_manager *m);
