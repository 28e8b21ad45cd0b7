/* A child process the event loop watches: the read end of its report
 * pipe, its exit and its time limit.  Replays (worker.h) and Inspect
 * (inspect.h) each run in one. */
#pragma once
#include <sys/types.h>
#include <systemd/sd-event.h>

struct fcrd_child {
        pid_t pid;                      /* 0: not started */
        int fd;                         /* the pipe's read end; -1: none */
        sd_event_source *io, *exit, *timer;
};

#define FCRD_CHILD_NULL ((struct fcrd_child) { .fd = -1 })

/* Watch a started child (pid and fd set): on_io for its output, on_exit
 * when it exits, on_timeout after limit_sec (0: no limit).  On failure
 * the child is killed and reaped. */
int fcrd_child_watch(struct fcrd_child *c, sd_event *e, unsigned limit_sec, sd_event_io_handler_t on_io,
                     sd_event_child_handler_t on_exit, sd_event_time_handler_t on_timeout, void *userdata);

/* Stop watching and close the pipe (the exit, if any, is the caller's). */
void fcrd_child_done(struct fcrd_child *c);
