#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcreplay/engine.h>
#include <fcreplay/exit_codes.h>
#include <fcreplay/limits.h>
#include "worker.h"

static FILE *out;
static int go_fd = -1;

/* Blocks written home, while writing (the engine's one unit); at most
 * ten reports a second, and always the last one. */
static void progress(const char *what, uint64_t done, uint64_t total, void *userdata) {
        static struct timespec last;
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (done < total && (now.tv_sec - last.tv_sec) * 1000000000L + (now.tv_nsec - last.tv_nsec) < 100000000L)
                return;
        last = now;
        fprintf(out, "P %llu %llu\n", (unsigned long long) done, (unsigned long long) total);
        fflush(out);
}

/* The R line; returns the exit status that goes with it. */
static int result(enum fcrd_result res, long tags, const char *msg) {
        char clean[600];

        snprintf(clean, sizeof(clean), "%s", msg);
        for (char *p = clean; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        fprintf(out, "R %s %ld %s\n", fcrd_result_to_string(res), tags, clean);
        fflush(out);
        return fcrd_result_exit_code(res);
}

/* For the tests only: hold the finished plan this long before writing,
 * to make a replay slow enough to overlap or to run past its limit. */
static void test_hold(void) {
        const char *ms = getenv("FCREPLAYD_TEST_HOLD_MS");

        if (ms && *ms) {
                long v = atol(ms);
                struct timespec ts = { v / 1000, (v % 1000) * 1000000L };

                nanosleep(&ts, NULL);
        }
}

/* Refused (2) only while nothing was written; else failed (3). */
static int failed(const struct fcr_engine *e, int r, const struct fcr_diag *d) {
        bool refused = !fcr_engine_wrote(e) && fcr_is_refusal(r);

        return result(refused ? FCRD_RESULT_REFUSED : FCRD_RESULT_FAILED, 0, d->msg);
}

/* udev holds a shared flock on a whole disk while it processes its
 * events (and the daemon starts on those very events): a lock held
 * elsewhere is tried again, 0.1 + 0.2 + 0.4 + 0.8 s, before the replay
 * is reported busy.  In the child, under the job's time limit. */
#define BUSY_RETRIES 4

static int open_engine(const struct fcr_engine_opts *o, struct fcr_engine **ret, struct fcr_diag *d) {
        for (unsigned i = 0;; i++) {
                int r = fcr_engine_open(o, ret, d);
                struct timespec ts = { 0, 100000000L << i };

                if (r != -EBUSY || i == BUSY_RETRIES)
                        return r;
                if (ts.tv_nsec >= 1000000000L)
                        ts = (struct timespec) { ts.tv_nsec / 1000000000L, ts.tv_nsec % 1000000000L };
                nanosleep(&ts, NULL);
                *d = (struct fcr_diag) {};
        }
}

static int child(const struct fcrd_replay_args *a) {
        struct fcr_engine_opts o = {
                .device = a->device, .allocator = a->allocator, .plugin_dir = a->plugin_dir, .plugins = a->plugins,
                .read_only = a->dry_run, .progress = progress,
        };
        _cleanup_engine_ struct fcr_engine *e = NULL;
        const struct fcr_result *res;
        struct fcr_diag d = {};
        bool work;
        int r;

        if (fcr_memory_limit() < 0) return result(FCRD_RESULT_FAILED, 0, "cannot set the memory limit");
        r = open_engine(&o, &e, &d);
        if (r == -EBUSY)
                return result(FCRD_RESULT_BUSY, 0, d.msg);
        if (r >= 0)
                r = fcr_engine_plan(e, &d);
        if (r < 0)
                return failed(e, r, &d);
        res = fcr_engine_result(e);
        work = res->state == FCR_STATE_REPLAY || res->state == FCR_STATE_FINISH_ONLY;
        if (a->dry_run || !work)
                return result(a->dry_run ? FCRD_RESULT_DRY_RUN : FCRD_RESULT_NOTHING_TO_DO, res->fc_committed_tags,
                              fcr_state_str(res->state));
        test_hold();
        /* Planned: what is left is writing, this many blocks. */
        fprintf(out, "W %zu\n", fcr_engine_blocks_to_write(e));
        fflush(out);
        char go = 0;
        if (read(go_fd, &go, 1) != 1 || go != 'G')
                return FCR_EXIT_FAILED; /* stopped before writing */
        r = fcr_engine_apply(e, &d);
        if (r < 0)
                return failed(e, r, &d);
        char msg[512];
        res = fcr_engine_result(e);
        snprintf(msg, sizeof(msg), "%zu transaction(s), %zu fast commit(s), allocator %s, %zu orphan(s) released%s%s",
                 res->transactions, res->fc_commits, res->allocator ? res->allocator : "none",
                 res->orphans_released ? res->nr_orphans : 0,
                 res->orphans_left_alone ? "; orphans left alone: " : "",
                 res->orphans_left_alone ? res->orphans_left_alone : "");
        return result(FCRD_RESULT_REPLAYED, (long) res->fc_tags_replayed, msg);
}

int fcrd_worker_start(const struct fcrd_replay_args *a, pid_t *ret_pid, int *ret_fd, int *ret_go_fd) {
        int p[2], g[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(g, O_CLOEXEC) < 0) {
                int r = -errno;

                close(p[0]);
                close(p[1]);
                return r;
        }
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                close(p[0]);
                close(p[1]);
                close(g[0]);
                close(g[1]);
                return r;
        }
        if (pid == 0) {
                sigset_t all;

                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                close(p[0]);
                close(g[1]);
                go_fd = g[0];
                out = fdopen(p[1], "w");
                _exit(out ? child(a) : FCR_EXIT_FAILED);
        }
        close(p[1]);
        close(g[0]);
        *ret_pid = pid;
        *ret_fd = p[0];
        *ret_go_fd = g[1];
        return 0;
}
