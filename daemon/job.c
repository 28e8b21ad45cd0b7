#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/wait.h>
#include <fcreplay/util.h>
#include "job.h"
#include "log.h"
#include "worker.h"

/* What each result makes of the device, and how it is logged. */
static const struct outcome_rule {
        enum fcrd_state state;          /* after it (with reprobe: if the superblock cannot be read) */
        bool reprobe;                   /* nothing written: the superblock says what the device is */
        int priority;
        enum fcrd_event_kind kind;
        const char *lead;               /* the line's start, before ": message"; NULL: the message alone */
        bool timed, exit_code;          /* the lead goes on " in N s" / " (exit N)" */
} rules[_FCRD_RESULT_MAX] = {
        [FCRD_RESULT_REPLAYED] = { FCRD_REPLAYED, false, LOG_NOTICE, FCRD_MSG_REPLAYED, "replayed", .timed = true },
        [FCRD_RESULT_NOTHING_TO_DO] = { FCRD_CLEAN, true, LOG_INFO, FCRD_MSG_REPLAYED, "nothing-to-do" },
        [FCRD_RESULT_DRY_RUN] = { FCRD_DIRTY, true, LOG_INFO, FCRD_MSG_REPLAYED, "dry-run" },
        [FCRD_RESULT_REFUSED] = { FCRD_REFUSED, false, LOG_ERR, FCRD_MSG_REFUSED, "refused, nothing written" },
        [FCRD_RESULT_BUSY] = { FCRD_DIRTY, true, LOG_WARNING, FCRD_MSG_FAILED, "busy, not replayed, nothing written" },
        [FCRD_RESULT_CHANGED] = { FCRD_DIRTY, true, LOG_WARNING, FCRD_MSG_FAILED, "changed since its probe, not replayed" },
        [FCRD_RESULT_STOPPED] = { FCRD_DIRTY, true, LOG_WARNING, FCRD_MSG_STOPPED, NULL },
        [FCRD_RESULT_TIMEOUT] = { FCRD_DIRTY, true, LOG_ERR, FCRD_MSG_TIMEOUT, NULL },
        [FCRD_RESULT_CANCELLED] = { FCRD_DIRTY, true, LOG_ERR, FCRD_MSG_TIMEOUT, NULL },
        [FCRD_RESULT_FAILED] = { FCRD_FAILED, false, LOG_ERR, FCRD_MSG_FAILED, "failed", .exit_code = true },
};

static const struct outcome_rule *rule_of(enum fcrd_result r) {
        /* Whatever else (none, skipped, usage) cannot end a job: failed. */
        return r < _FCRD_RESULT_MAX && rules[r].priority ? &rules[r] : &rules[FCRD_RESULT_FAILED];
}

const char *fcrd_job_state(const struct fcrd_job *j) {
        if (!j->finished)
                return j->writing ? "writing" : "running";
        if (j->cancelled)
                return "cancelled";
        return fcrd_result_is_success(j->result) ? "completed" : "failed";
}

static void set_result(struct fcrd_job *j, enum fcrd_result r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_result(struct fcrd_job *j, enum fcrd_result r, const char *fmt, ...) {
        va_list ap;

        j->result = r;
        va_start(ap, fmt);
        vsnprintf(j->message, sizeof(j->message), fmt, ap);
        va_end(ap);
}

void fcrd_job_outcome(struct fcrd_job *j) {
        if (j->stopped)
                set_result(j, FCRD_RESULT_STOPPED, "not replayed: fcreplayd stopped before the replay began writing; "
                           "nothing written");
        else if (j->cancelled)
                set_result(j, FCRD_RESULT_CANCELLED, "cancelled before writing; nothing written");
        else if (j->timed_out)
                set_result(j, FCRD_RESULT_TIMEOUT, "no replay within %u s; stopped before writing, nothing written",
                           j->m->config.timeout_sec);
        else if (j->result == FCRD_RESULT_NONE)
                set_result(j, FCRD_RESULT_FAILED, "the replay process %s",
                           WIFSIGNALED(j->status) ? strsignal(WTERMSIG(j->status)) : "ended without a result");
}

static void log_end(const struct fcrd_job *j, const struct outcome_rule *rule) {
        struct fcrd_device *d = j->dev;
        struct fcrd_fields f = fcrd_device_fields(d, j->result, j->tags, j->allocator);
        char lead[128] = "";

        if (rule->timed)
                snprintf(lead, sizeof(lead), "%s in %.3f s: ", rule->lead, d->usec_taken / 1e6);
        else if (rule->exit_code)
                snprintf(lead, sizeof(lead), "%s (exit %d): ", rule->lead,
                         WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1);
        else if (rule->lead)
                snprintf(lead, sizeof(lead), "%s: ", rule->lead);
        fcrd_event(rule->priority, rule->kind, &f, "%s%s", lead, j->message);
}

/* Keep the last few for clients reading how they ended. */
static void keep(struct fcrd_manager *m, struct fcrd_job *j) {
        if (m->done_jobs[0])
                fcrd_job_free(m->done_jobs[0]);
        memmove(m->done_jobs, m->done_jobs + 1, sizeof(m->done_jobs) - sizeof(m->done_jobs[0]));
        m->done_jobs[FCRD_DONE_JOBS - 1] = j;
}

/* The device takes the result; everyone hears of it; the next starts. */
static void retire(struct fcrd_job *j, enum fcrd_state state) {
        struct fcrd_manager *m = j->m;
        struct fcrd_device *d = j->dev;
        unsigned running;

        j->reprobing = false;
        d->usec_taken = fcr_now_usec(CLOCK_MONOTONIC) - j->start_usec;
        d->tags_replayed = j->tags;
        d->last_result = j->result;
        snprintf(d->last_message, sizeof(d->last_message), "%s", j->message);
        d->state = state;
        log_end(j, rule_of(j->result));
        d->job = NULL;
        m->running--;
        j->finished = true;
        /* When stopping, main releases what is held once every write is
         * done.  A device that changed is another incarnation: it is
         * announced again, to be probed and decided on as new. */
        if (m->stopping)
                ;
        else if (j->result == FCRD_RESULT_CHANGED)
                fcrd_hold_announce(d->node);
        else
                fcrd_hold_release(&j->hold, true);
        keep(m, j);
        fcrd_manager_changed(m, FCRD_JOB_DONE, d, j);
        fcrd_manager_changed(m, FCRD_DEVICE_CHANGED, d, NULL);
        if (m->stopping)
                return;
        running = m->running;
        fcrd_manager_pump(m);
        /* A replay that starts says so itself; READY=1 has its own line. */
        if (!fcrd_manager_maybe_ready(m) && m->running == running)
                fcrd_manager_notify_status(m, "");
}

enum fcrd_state fcrd_job_end_state(enum fcrd_result r, bool *ret_reprobe) {
        const struct outcome_rule *rule = rule_of(r);

        *ret_reprobe = rule->reprobe;
        return rule->state;
}

static void on_reprobed(int r, const char *node, const struct fcrd_probe *p, void *userdata) {
        struct fcrd_job *j = userdata;

        if (j->reprobing)
                retire(j, r >= 0 && p->ext4 ? fcrd_probed_state(p) : rule_of(j->result)->state);
}

/* The worker is over: outcome, state, retirement (after the superblock
 * is read again, where the table says it decides). */
static void job_over(struct fcrd_job *j) {
        const struct outcome_rule *rule;

        fcrd_job_outcome(j);
        rule = rule_of(j->result);
        if (rule->reprobe && !j->m->stopping &&
            fcrd_prober_submit(j->m->prober, j->dev->node, FCRD_PROBE_EXT4_KNOWN,
                               fcrd_config_child_limit(&j->m->config), on_reprobed, j) >= 0) {
                j->reprobing = true;
                return;
        }
        retire(j, rule->state);
}

static void on_worker_message(struct fcrd_child *c, const void *buf, size_t len, void *userdata) {
        struct fcrd_job *j = userdata;
        struct fcrd_worker_msg msg;

        if (fcrd_worker_parse(buf, len, &msg) < 0)
                return;
        /* Progress has one unit, blocks written, and only while writing:
         * planning has no count that could sit at 100 %. */
        if (msg.type == FCRD_WORKER_PROGRESS && j->writing) {
                j->done = msg.done;
                j->total = msg.total;
                fcrd_notify_writing(j->m, j->dev->node, j->done, j->total);
                fcrd_manager_changed(j->m, FCRD_JOB_PROGRESS, j->dev, j);
        } else if (msg.type == FCRD_WORKER_WRITING && !j->timed_out && !j->cancelled && !j->stopped) {
                j->total = msg.total;
                j->done = 0;
                /* A worker that is gone writes nothing. */
                j->writing = fcrd_worker_go(c) >= 0;
                j->write_start_usec = fcr_now_usec(CLOCK_MONOTONIC);
                fcrd_notify_writing(j->m, j->dev->node, j->done, j->total);
                fcrd_manager_changed(j->m, FCRD_JOB_PROGRESS, j->dev, j);
        } else if (msg.type == FCRD_WORKER_RESULT) {
                j->result = msg.result;
                j->tags = msg.tags;
                snprintf(j->message, sizeof(j->message), "%s", msg.text);
        }
}

/* The time limit: before writing, stop the replay (nothing is written);
 * after, report the overrun and let it finish: a half-done write is what
 * the journal protects against, but there is no reason to cause one. */
static void on_worker_timeout(struct fcrd_child *c, void *userdata) {
        struct fcrd_job *j = userdata;
        struct fcrd_fields f = fcrd_device_fields(j->dev, FCRD_RESULT_TIMEOUT, -1, j->allocator);

        if (!j->writing) {
                j->timed_out = true;
                fcrd_child_kill(c);
                return;
        }
        fcrd_event(LOG_WARNING, FCRD_MSG_TIMEOUT, &f, "replay has run past its %u s limit while writing; "
                   "letting it finish", j->m->config.timeout_sec);
}

static void on_worker_ended(struct fcrd_child *c, int status, void *userdata) {
        struct fcrd_job *j = userdata;

        j->child = NULL;
        j->status = status;
        job_over(j);
}

static const struct fcrd_child_ops worker_ops = {
        .message = on_worker_message, .timeout = on_worker_timeout, .ended = on_worker_ended,
};

static struct fcrd_job *job_new(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_replay_args *a) {
        struct fcrd_job *j = calloc(1, sizeof(*j));

        if (!j)
                return NULL;
        j->m = m;
        j->dev = d;
        j->id = ++m->next_job_id;
        j->dry_run = a->dry_run;
        j->start_usec = fcr_now_usec(CLOCK_MONOTONIC);
        j->start_realtime_usec = fcr_now_usec(CLOCK_REALTIME);
        snprintf(j->allocator, sizeof(j->allocator), "%s", a->allocator);
        return j;
}

struct fcrd_job *fcrd_job_start(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_replay_opts *o) {
        struct fcrd_replay_args a = {
                .device = d->node,
                .expect = { .devnum = d->devnum, .diskseq = d->diskseq, .uuid = d->uuid[0] ? d->uuid : NULL },
                .allocator = o && o->allocator ? o->allocator : fcrd_config_allocator(&m->config),
                .plugin_dir = m->config.shared.plugin_dir,
                .plugins = fcrd_config_plugins(&m->config, &(struct fcr_diag) {}),
                .dry_run = (o && o->dry_run) || m->config.dry_run,
        };
        struct fcrd_fields f = fcrd_device_fields(d, FCRD_RESULT_NONE, -1, a.allocator);
        /* The incarnation probed, released when its replay ends. */
        struct fcrd_hold_key k = { .devnum = d->devnum, .diskseq = d->diskseq };
        struct fcrd_job *j;
        int r;

        d->queued = false;
        if (!k.devnum)
                (void) fcrd_hold_key_from_node(d->node, NULL, &k);
        j = job_new(m, d, &a);
        if (j)
                a.start_usec = j->start_usec;   /* the worker's "start" counts from the job's */
        r = j ? fcrd_worker_start(m->event, &a, &worker_ops, j, &j->child) : -ENOMEM;
        if (r >= 0)
                r = fcrd_child_set_limit(j->child, m->config.timeout_sec);
        if (r < 0) {
                if (j && j->child)
                        fcrd_child_abandon(j->child, true);
                free(j);
                fcrd_event(LOG_ERR, FCRD_MSG_FAILED, &f, "cannot start a replay: %s", strerror(-r));
                fcrd_hold_release(&k, true);
                fcrd_device_set_state(m, d, FCRD_FAILED);
                return NULL;
        }
        j->hold = k;
        d->job = j;
        m->running++;
        fcrd_event(LOG_INFO, FCRD_MSG_STARTED, &f, "replay started (allocator %s%s)", j->allocator,
                   j->dry_run ? ", dry run" : "");
        fcrd_notify_planning(m, d->node);
        fcrd_device_set_state(m, d, FCRD_REPLAYING);
        return j;
}

int fcrd_job_cancel(struct fcrd_job *j) {
        if (!j->child || j->writing)
                return -EBUSY;
        j->cancelled = true;
        fcrd_child_kill(j->child);
        return 0;
}

void fcrd_job_stop(struct fcrd_job *j) {
        struct fcrd_fields f = fcrd_device_fields(j->dev, FCRD_RESULT_STOPPED, -1, j->allocator);

        if (j->reprobing) {
                /* Its answer will not come: the device stays as the table says. */
                retire(j, rule_of(j->result)->state);
                return;
        }
        if (j->writing)
                fcrd_event(LOG_NOTICE, FCRD_MSG_STOPPED, &f, "fcreplayd is stopping: waiting for the replay, which "
                           "is writing");
        else {
                j->stopped = true;
                fcrd_child_kill(j->child);
        }
        fcrd_child_wait(j->child);      /* its end retires it */
}

void fcrd_job_free(struct fcrd_job *j) {
        /* At exit (stopped already): one that writes finishes on its own. */
        if (j->child)
                fcrd_child_abandon(j->child, !j->writing);
        free(j);
}
