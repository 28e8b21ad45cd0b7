#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcreplay/exit_codes.h>
#include "child.h"
#include "message.h"

/* The child's end, in the child. */
#define CHILD_FD 3

struct fcrd_child {
        pid_t pid;
        int fd;                         /* our end; -1 once closed */
        sd_event *event;
        sd_event_source *io, *exit, *timer;
        const struct fcrd_child_ops *ops;       /* NULL: abandoned */
        void *userdata;
        bool eof, exited;
        int status;
        struct fcrd_child *next;        /* every child alive (fcrd_child_forget_all) */
};

/* One receive buffer for every child, not 64 KiB in each: the event loop
 * reads one packet at a time, and every handler parses it before it
 * returns.  Only the pages a packet fills are ever touched. */
static uint8_t packet[FCRD_PACKET_MAX];

static struct fcrd_child *alive;

static void unlink_child(struct fcrd_child *c) {
        for (struct fcrd_child **p = &alive; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        return;
                }
}

static void close_fd(struct fcrd_child *c) {
        c->io = sd_event_source_disable_unref(c->io);
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
        c->eof = true;
}

static void child_free(struct fcrd_child *c) {
        close_fd(c);
        c->exit = sd_event_source_disable_unref(c->exit);
        c->timer = sd_event_source_disable_unref(c->timer);
        unlink_child(c);
        free(c);
}

/* Both the end of its messages and its exit are in. */
static void maybe_end(struct fcrd_child *c) {
        if (!c->eof || !c->exited)
                return;
        if (c->ops)
                c->ops->ended(c, c->status, c->userdata);
        child_free(c);
}

static void deliver(struct fcrd_child *c, ssize_t n) {
        /* A packet longer than any message is no message: dropped. */
        if (c->ops && n <= (ssize_t) sizeof(packet))
                c->ops->message(c, packet, n, c->userdata);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct fcrd_child *c = userdata;
        ssize_t n = recv(fd, packet, sizeof(packet), MSG_DONTWAIT | MSG_TRUNC);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n > 0) {
                deliver(c, n);
                return 0;
        }
        close_fd(c);
        maybe_end(c);
        return 0;
}

static int on_exit_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        struct fcrd_child *c = userdata;

        c->exited = true;
        c->status = si->si_code == CLD_EXITED ? W_EXITCODE(si->si_status, 0) : si->si_status;
        c->exit = sd_event_source_disable_unref(c->exit);
        c->timer = sd_event_source_disable_unref(c->timer);
        maybe_end(c);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fcrd_child *c = userdata;

        c->timer = sd_event_source_disable_unref(c->timer);
        if (c->ops)
                c->ops->timeout(c, c->userdata);
        return 0;
}

/* In the child: nothing of the daemon's but stdio and its end. */
static int child_main(int fd, fcrd_child_fn run, void *arg) {
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (fd != CHILD_FD && dup2(fd, CHILD_FD) < 0)
                return FCR_EXIT_FAILED;
        close_range(CHILD_FD + 1, ~0U, 0);
        return run(CHILD_FD, arg);
}

int fcrd_child_spawn(sd_event *e, fcrd_child_fn run, void *arg, const struct fcrd_child_ops *ops, void *userdata,
                     struct fcrd_child **ret) {
        struct fcrd_child *c = calloc(1, sizeof(*c));
        int sv[2], r;

        if (!c)
                return -ENOMEM;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = -errno;
                free(c);
                return r;
        }
        c->pid = fork();
        if (c->pid == 0)
                _exit(child_main(sv[1], run, arg));
        r = c->pid < 0 ? -errno : 0;
        close(sv[1]);
        /* A child that does not read (it hangs) never blocks the loop. */
        if (r >= 0 && fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
                r = -errno;
        *c = (struct fcrd_child) { .pid = c->pid, .fd = sv[0], .event = e, .ops = ops, .userdata = userdata,
                                   .next = alive };
        alive = c;
        if (r >= 0)
                r = sd_event_add_io(e, &c->io, c->fd, EPOLLIN, on_io, c);
        if (r >= 0)
                r = sd_event_add_child(e, &c->exit, c->pid, WEXITED, on_exit_child, c);
        if (r < 0) {
                if (c->pid > 0) {
                        kill(c->pid, SIGKILL);
                        (void) waitpid(c->pid, NULL, 0);
                }
                child_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int fcrd_child_set_limit(struct fcrd_child *c, unsigned limit_sec) {
        c->timer = sd_event_source_disable_unref(c->timer);
        if (!limit_sec || c->exited)
                return 0;
        return sd_event_add_time_relative(c->event, &c->timer, CLOCK_MONOTONIC,
                                          (uint64_t) limit_sec * 1000000, 0, on_timer, c);
}

int fcrd_child_send(struct fcrd_child *c, const void *buf, size_t len) {
        if (c->fd < 0)
                return -EPIPE;
        return send(c->fd, buf, len, MSG_NOSIGNAL) == (ssize_t) len ? 0 : -errno;
}

void fcrd_child_kill(struct fcrd_child *c) {
        if (!c->exited)
                kill(c->pid, SIGKILL);
}

bool fcrd_child_exited(const struct fcrd_child *c) {
        return c->exited;
}

void fcrd_child_abandon(struct fcrd_child *c, bool kill) {
        c->ops = NULL;
        c->timer = sd_event_source_disable_unref(c->timer);
        if (kill)
                fcrd_child_kill(c);
        close_fd(c);
        maybe_end(c);
}

void fcrd_child_wait(struct fcrd_child *c) {
        int status = 0;
        ssize_t n;

        c->io = sd_event_source_disable_unref(c->io);
        while (c->fd >= 0 && ((n = recv(c->fd, packet, sizeof(packet), MSG_TRUNC)) > 0 || (n < 0 && errno == EINTR)))
                if (n > 0)
                        deliver(c, n);
        close_fd(c);
        if (!c->exited) {
                c->exit = sd_event_source_disable_unref(c->exit);
                while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
                        ;
                c->exited = true;
                c->status = status;
        }
        maybe_end(c);
}

void fcrd_child_forget_all(void) {
        while (alive)
                child_free(alive);
}

int fcrd_child_write(int fd, const void *buf, size_t len) {
        return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t) len ? 0 : -errno;
}

ssize_t fcrd_child_read(int fd, void *buf, size_t len) {
        ssize_t n;

        while ((n = recv(fd, buf, len, 0)) < 0 && errno == EINTR)
                ;
        return n < 0 ? -errno : n;
}
