#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "child.h"

int fcrd_child_watch(struct fcrd_child *c, sd_event *e, unsigned limit_sec, sd_event_io_handler_t on_io,
                     sd_event_child_handler_t on_exit, sd_event_time_handler_t on_timeout, void *userdata) {
        int r = sd_event_add_io(e, &c->io, c->fd, EPOLLIN, on_io, userdata);

        if (r >= 0)
                r = sd_event_add_child(e, &c->exit, c->pid, WEXITED, on_exit, userdata);
        if (r >= 0 && limit_sec)
                r = sd_event_add_time_relative(e, &c->timer, CLOCK_MONOTONIC, (uint64_t) limit_sec * 1000000, 0,
                                               on_timeout, userdata);
        if (r < 0) {
                fcrd_child_done(c);
                kill(c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0);
        }
        return r;
}

void fcrd_child_done(struct fcrd_child *c) {
        c->io = sd_event_source_disable_unref(c->io);
        c->exit = sd_event_source_disable_unref(c->exit);
        c->timer = sd_event_source_disable_unref(c->timer);
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
}
