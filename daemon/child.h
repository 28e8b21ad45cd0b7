/* The one way fcreplayd runs a child process: the replay worker
 * (worker.h), the probe (prober.h) and Inspect (inspect.h).  The child is
 * forked with an empty signal mask and no descriptor of the daemon's but
 * its end of a SOCK_SEQPACKET socket pair, on which both sides send
 * messages (message.h: one packet each, read whole).  The event loop
 * watches the messages, the exit and the time limit, and tells the
 * owner through ops.  A child given up is killed and reaped whenever the
 * kernel lets it go (a process stuck reading a device that hangs exits
 * only once the read returns). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct fcrd_child;

struct fcrd_child_ops {
        /* One message from the child. */
        void (*message)(struct fcrd_child *c, const void *buf, size_t len, void *userdata);
        /* The time limit passed; the child still runs. */
        void (*timeout)(struct fcrd_child *c, void *userdata);
        /* The child is over: every message read and its exit status in
         * (a wait status).  The last call: c is freed when it returns. */
        void (*ended)(struct fcrd_child *c, int status, void *userdata);
};

/* In the child: fd is its end of the pair; the return value is its exit
 * status. */
typedef int (*fcrd_child_fn)(int fd, void *arg);

/* Fork a child that runs run(fd, arg), watched from e. */
int fcrd_child_spawn(sd_event *e, fcrd_child_fn run, void *arg, const struct fcrd_child_ops *ops, void *userdata,
                     struct fcrd_child **ret);

/* The time limit from now (0: none), in place of any earlier one. */
int fcrd_child_set_limit(struct fcrd_child *c, unsigned limit_sec);

/* -EAGAIN when the child has not read enough of what it was sent: the
 * daemon's end never blocks. */
int fcrd_child_send(struct fcrd_child *c, const void *buf, size_t len);

/* SIGKILL, unless it has exited. */
void fcrd_child_kill(struct fcrd_child *c);
bool fcrd_child_exited(const struct fcrd_child *c);

/* Let it go: the owner hears nothing more.  kill: SIGKILL it; else its
 * end of the pair sees the end of input, and it exits on its own.
 * Freed once it has exited. */
void fcrd_child_abandon(struct fcrd_child *c, bool kill);

/* Wait for the child here, outside the event loop (fcreplayd stops):
 * its remaining messages and its end are delivered, then c is freed. */
void fcrd_child_wait(struct fcrd_child *c);

/* In the child: send one message; receive one (0: the daemon's end is
 * closed). */
int fcrd_child_write(int fd, const void *buf, size_t len);
ssize_t fcrd_child_read(int fd, void *buf, size_t len);

/* At exit: free what is left of children given up (they are not waited
 * for). */
void fcrd_child_forget_all(void);
