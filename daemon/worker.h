/* One replay, run in a child process (child.h): a plugin that crashes
 * takes only the child with it, and a replay that has not begun writing
 * can be killed at its time limit with nothing written.  This module
 * owns both halves of the child's protocol (message.h framing):
 *   child -> daemon
 *     PROGRESS done total      blocks written home, while writing
 *     WRITING total            the plan is ready: may it write?  It
 *                              writes only once the daemon answers GO,
 *                              so a replay stopped at its time limit has
 *                              written nothing, without a race.
 *     RESULT result tags text  the outcome (enum fcrd_result)
 *   daemon -> child
 *     GO                       write
 * Its exit status is FCR_EXIT_*, as fcreplay's. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <fcreplay/engine.h>
#include "child.h"
#include "result.h"

struct fcrd_replay_args {
        const char *device;
        struct fcr_expect expect;       /* the device as probed: another is "changed" */
        const char *allocator;          /* NULL: the default */
        const char *plugin_dir;         /* NULL: $FCREPLAY_PLUGIN_DIR or built-in */
        struct fcr_plugins *plugins;    /* loaded before the fork (the config's);
                                         * NULL: the child loads plugin_dir's */
        bool dry_run;
        uint64_t start_usec;            /* CLOCK_MONOTONIC when the job began: the
                                         * worker reports how long its own start took */
};

enum fcrd_worker_msg_type {
        FCRD_WORKER_PROGRESS = 'P',
        FCRD_WORKER_WRITING = 'W',
        FCRD_WORKER_RESULT = 'R',
        FCRD_WORKER_GO = 'G',
};

struct fcrd_worker_msg {
        enum fcrd_worker_msg_type type;
        uint64_t done, total;           /* PROGRESS: both; WRITING: total */
        enum fcrd_result result;        /* RESULT */
        int64_t tags;                   /* RESULT: fast-commit tags replayed */
        char text[512];                 /* RESULT: the message */
};

/* A message into buf (FCRD_PACKET_MAX bytes): its length, or a negative errno. */
int fcrd_worker_encode(const struct fcrd_worker_msg *m, void *buf, size_t len);

/* A message from either side; -EBADMSG for anything that is not one. */
int fcrd_worker_parse(const void *buf, size_t len, struct fcrd_worker_msg *ret);

/* Fork the worker, watched from e through ops (child.h). */
int fcrd_worker_start(sd_event *e, const struct fcrd_replay_args *a, const struct fcrd_child_ops *ops,
                      void *userdata, struct fcrd_child **ret);

/* Tell the worker to write. */
int fcrd_worker_go(struct fcrd_child *c);
