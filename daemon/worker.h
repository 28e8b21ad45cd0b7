/* One replay, run in a child process: a plugin that crashes takes only
 * the child with it, and a replay that has not begun writing can be
 * killed at its time limit with nothing written.  The child reports over
 * a pipe, one line per message:
 *   P DONE TOTAL          progress (fast-commit tags or journal blocks)
 *   W                     the plan is ready: may it write?  The child
 *                         writes only after the parent answers "G" on
 *                         the go pipe, so a replay stopped at its time
 *                         limit has written nothing, without a race.
 *   R RESULT TAGS MESSAGE the outcome (RESULT: fcrd_result_to_string() of
 *                         replayed, nothing-to-do, dry-run, refused, busy,
 *                         failed); the manager parses it once.
 * Its exit status is FCR_EXIT_*, as fcreplay's. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
#include "result.h"

struct fcrd_replay_args {
        const char *device;
        const char *allocator;          /* NULL: the default */
        const char *plugin_dir;         /* NULL: $FCREPLAY_PLUGIN_DIR or built-in */
        struct fcr_plugins *plugins;    /* loaded before the fork (the config's);
                                         * NULL: the child loads plugin_dir's */
        bool dry_run;
};

/* Fork the child; the parent gets its pid, the read end of the report
 * pipe and the write end of the go pipe. */
int fcrd_worker_start(const struct fcrd_replay_args *a, pid_t *ret_pid, int *ret_fd, int *ret_go_fd);
