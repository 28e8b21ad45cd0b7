#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcreplay/engine.h>
#include <fcreplay/exit_codes.h>
#include <fcreplay/limits.h>
#include <fcreplay/util.h>
#include "worker.h"

static int out = -1;

static void send_msg(const struct fcrd_worker_msg *m) {
        uint8_t buf[sizeof(*m) + 64];
        int n = fcrd_worker_encode(m, buf, sizeof(buf));

        if (n > 0)
                (void) fcrd_child_write(out, buf, n);
}

/* Blocks written home, while writing (the engine's one unit); at most
 * ten reports a second, and always the last one. */
static void progress(uint64_t done, uint64_t total, void *userdata) {
        static struct timespec last;
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (done < total && (now.tv_sec - last.tv_sec) * 1000000000L + (now.tv_nsec - last.tv_nsec) < 100000000L)
                return;
        last = now;
        send_msg(&(struct fcrd_worker_msg) { .type = FCRD_WORKER_PROGRESS, .done = done, .total = total });
}

/* The RESULT message; returns the exit status that goes with it. */
static int result(enum fcrd_result res, long tags, const char *msg) {
        struct fcrd_worker_msg m = { .type = FCRD_WORKER_RESULT, .result = res, .tags = tags };

        snprintf(m.text, sizeof(m.text), "%s", msg);
        send_msg(&m);
        return fcrd_result_exit_code(res);
}

/* For the tests only: $FCREPLAYD_TEST_HOLD_MS holds the finished plan
 * this long before writing, to make a replay slow enough to overlap or
 * to run past its limit; $FCREPLAYD_TEST_OPEN_DELAY_MS waits before the
 * device is opened, so that a test can re-point it after its probe. */
static void test_hold(const char *name) {
        const char *ms = getenv(name);

        if (ms && *ms) {
                long v = atol(ms);
                struct timespec ts = { v / 1000, (v % 1000) * 1000000L };

                nanosleep(&ts, NULL);
        }
}

/* Refused or failed, as the engine's exit code says; "changed" when the
 * device is not the one probed any more, before anything was written. */
static int failed(const struct fcr_engine *e, int r, const struct fcr_diag *d) {
        bool written = e && fcr_engine_wrote(e);

        if (r == -ESTALE && !written)
                return result(FCRD_RESULT_CHANGED, 0, d->msg);
        return result(fcrd_result_from_exit_code(fcr_exit_code(r, written)), 0, d->msg);
}

/* udev holds a shared flock on a whole disk while it processes its
 * events (and the daemon starts on those very events): a lock held
 * elsewhere is tried again, 0.1 + 0.2 + 0.4 + 0.8 s, before the replay
 * is reported busy.  In the child, under the job's time limit. */
#define BUSY_RETRIES 4

static int open_engine(const struct fcr_engine_opts *o, unsigned *busy, struct fcr_engine **ret, struct fcr_diag *d) {
        for (unsigned i = 0;; i++) {
                int r = fcr_engine_open(o, ret, d);
                struct timespec ts = { 0, 100000000L << i };

                *busy = i;
                if (r != -EBUSY || i == BUSY_RETRIES)
                        return r;
                if (ts.tv_nsec >= 1000000000L)
                        ts = (struct timespec) { ts.tv_nsec / 1000000000L, ts.tv_nsec % 1000000000L };
                nanosleep(&ts, NULL);
                *d = (struct fcr_diag) {};
        }
}

/* The daemon's answer to WRITING: GO, or (the end of input) stop. */
static bool go_given(void) {
        uint8_t buf[64];
        struct fcrd_worker_msg m;
        ssize_t n = fcrd_child_read(out, buf, sizeof(buf));

        return n > 0 && fcrd_worker_parse(buf, n, &m) >= 0 && m.type == FCRD_WORKER_GO;
}

static double seconds_since(const struct timespec *t) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static double cpu_seconds(void) {
        struct timespec ts;

        return clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0 ? 0 : ts.tv_sec + ts.tv_nsec / 1e9;
}

static int child(const struct fcrd_replay_args *a) {
        struct fcr_engine_opts o = {
                .device = a->device, .allocator = a->allocator, .plugin_dir = a->plugin_dir, .plugins = a->plugins,
                .read_only = a->dry_run, .progress = progress, .expect = a->expect,
        };
        _cleanup_engine_ struct fcr_engine *e = NULL;
        const struct fcr_result *res;
        struct fcr_diag d = {};
        /* Where a replay's time went (the journal's line): the worker's
         * own start (fork, scheduling), opening (with the waits for udev's
         * lock), planning, the daemon's go-ahead, writing; and the CPU time
         * of it all, to tell work from waiting (issue 20). */
        double start_s = (fcr_now_usec(CLOCK_MONOTONIC) - a->start_usec) / 1e6;
        struct timespec t;
        double open_s, plan_s = 0, go_s, write_s;
        unsigned busy = 0;
        bool work;
        int r;

        if (fcr_memory_limit() < 0)
                return result(FCRD_RESULT_FAILED, 0, "cannot set the memory limit");
        test_hold("FCREPLAYD_TEST_OPEN_DELAY_MS");
        clock_gettime(CLOCK_MONOTONIC, &t);
        r = open_engine(&o, &busy, &e, &d);
        open_s = seconds_since(&t);
        if (r == -EBUSY)
                return result(FCRD_RESULT_BUSY, 0, d.msg);
        if (r >= 0) {
                clock_gettime(CLOCK_MONOTONIC, &t);
                r = fcr_engine_plan(e, &d);
                plan_s = seconds_since(&t);
        }
        if (r < 0)
                return failed(e, r, &d);
        res = fcr_engine_result(e);
        work = res->state == FCR_STATE_REPLAY || res->state == FCR_STATE_FINISH_ONLY;
        if (a->dry_run || !work)
                return result(a->dry_run ? FCRD_RESULT_DRY_RUN : FCRD_RESULT_NOTHING_TO_DO, res->fc_committed_tags,
                              fcr_state_str(res->state));
        test_hold("FCREPLAYD_TEST_HOLD_MS");
        /* Planned: what is left is writing, this many blocks. */
        clock_gettime(CLOCK_MONOTONIC, &t);
        send_msg(&(struct fcrd_worker_msg) { .type = FCRD_WORKER_WRITING, .total = fcr_engine_blocks_to_write(e) });
        if (!go_given())
                return FCR_EXIT_FAILED; /* stopped before writing */
        go_s = seconds_since(&t);
        clock_gettime(CLOCK_MONOTONIC, &t);
        r = fcr_engine_apply(e, &d);
        write_s = seconds_since(&t);
        if (r < 0)
                return failed(e, r, &d);
        char msg[512], busy_s[48] = "";
        res = fcr_engine_result(e);
        if (busy)
                snprintf(busy_s, sizeof(busy_s), " (device busy, %u retr%s)", busy, busy == 1 ? "y" : "ies");
        snprintf(msg, sizeof(msg), "%zu transaction(s), %zu fast commit(s), allocator %s, %zu orphan(s) released%s%s; "
                 "start %.3f s, open %.3f s%s, plan %.3f s, go-ahead %.3f s, write %.3f s; CPU %.3f s",
                 res->transactions, res->fc_commits, res->allocator ? res->allocator : "none",
                 res->orphans_released ? res->nr_orphans : 0,
                 res->orphans_left_alone ? "; orphans left alone: " : "",
                 res->orphans_left_alone ? res->orphans_left_alone : "", start_s, open_s, busy_s, plan_s, go_s,
                 write_s, cpu_seconds());
        return result(FCRD_RESULT_REPLAYED, (long) res->fc_tags_replayed, msg);
}

static int worker_main(int fd, void *arg) {
        out = fd;
        return child(arg);
}

int fcrd_worker_start(sd_event *e, const struct fcrd_replay_args *a, const struct fcrd_child_ops *ops,
                      void *userdata, struct fcrd_child **ret) {
        return fcrd_child_spawn(e, worker_main, (void *) a, ops, userdata, ret);
}

int fcrd_worker_go(struct fcrd_child *c) {
        uint8_t buf[64];
        int n = fcrd_worker_encode(&(struct fcrd_worker_msg) { .type = FCRD_WORKER_GO }, buf, sizeof(buf));

        return n < 0 ? n : fcrd_child_send(c, buf, n);
}
