#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "child.h"
#include "probe_child.h"

/* What the child sends: one write, read back whole. */
struct answer {
        int r;
        struct fcrd_probe p;
};

struct probe_child {
        struct fcrd_child child;
        char node[PATH_MAX];
        struct answer a;
        size_t len;
        bool eof, exited, answered;
        fcrd_probe_done_fn done;
        void *userdata;
};

static void answer(struct probe_child *pc, int r) {
        if (pc->answered)
                return;
        pc->answered = true;
        pc->done(r, pc->node, r >= 0 ? &pc->a.p : NULL, pc->userdata);
}

static void finish(struct probe_child *pc) {
        if (!pc->eof || !pc->exited)
                return;
        answer(pc, pc->len == sizeof(pc->a) ? pc->a.r : -EIO);
        fcrd_child_done(&pc->child);
        free(pc);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct probe_child *pc = userdata;
        ssize_t n = pc->len < sizeof(pc->a) ? read(fd, (char *) &pc->a + pc->len, sizeof(pc->a) - pc->len) : 0;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n > 0) {
                pc->len += n;
                return 0;
        }
        pc->eof = true;
        pc->child.io = sd_event_source_disable_unref(pc->child.io);
        finish(pc);
        return 0;
}

static int on_exit_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        struct probe_child *pc = userdata;

        pc->exited = true;
        finish(pc);
        return 0;
}

/* Answered now; the child, stuck in the kernel perhaps, is reaped when
 * it can be. */
static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct probe_child *pc = userdata;

        kill(pc->child.pid, SIGKILL);
        answer(pc, -ETIME);
        return 0;
}

/* For the tests only: a probe this slow, as of a device that hangs. */
static void test_delay(void) {
        const char *ms = getenv("FCREPLAYD_TEST_PROBE_DELAY_MS");

        if (ms && *ms) {
                long v = atol(ms);
                struct timespec ts = { v / 1000, (v % 1000) * 1000000L };

                nanosleep(&ts, NULL);
        }
}

/* An unmount leaves the mount table before the filesystem has let go of
 * the device and written its superblock (its journal flushed first, which
 * takes a while on a busy machine): wait until the device can be opened
 * exclusively, which it cannot while mounted.  Up to 30 s, in the child,
 * under its time limit. */
static void wait_released(const char *node) {
        for (int i = 0; i < 600; i++) {
                struct timespec ts = { 0, 50000000L };
                int fd = open(node, O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC);

                if (fd >= 0) {
                        close(fd);
                        return;
                }
                if (errno != EBUSY)
                        return;
                nanosleep(&ts, NULL);
        }
}

int fcrd_probe_start(sd_event *e, const char *node, unsigned limit_sec, bool after_unmount, fcrd_probe_done_fn done,
                     void *userdata) {
        struct probe_child *pc = calloc(1, sizeof(*pc));
        int p[2], r;

        if (!pc)
                return -ENOMEM;
        pc->child = FCRD_CHILD_NULL;
        snprintf(pc->node, sizeof(pc->node), "%s", node);
        pc->done = done;
        pc->userdata = userdata;
        if (pipe2(p, O_CLOEXEC) < 0) {
                r = -errno;
                free(pc);
                return r;
        }
        pc->child.pid = fork();
        if (pc->child.pid == 0) {
                struct answer a = {};
                sigset_t all;

                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                close(p[0]);
                test_delay();
                if (after_unmount)
                        wait_released(node);
                a.r = fcrd_probe_device(node, &a.p);
                _exit(write(p[1], &a, sizeof(a)) == (ssize_t) sizeof(a) ? 0 : 1);
        }
        r = pc->child.pid < 0 ? -errno : 0;
        close(p[1]);
        pc->child.fd = p[0];
        if (r >= 0)
                r = fcrd_child_watch(&pc->child, e, limit_sec, on_io, on_exit_child, on_timeout, pc);
        if (r < 0) {
                fcrd_child_done(&pc->child);
                free(pc);
        }
        return r;
}
