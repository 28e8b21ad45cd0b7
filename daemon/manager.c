#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include "log.h"
#include "manager.h"
#include "probe.h"
#include "util.h"
#include "worker.h"

struct fcrd_job {
        struct fcrd_manager *m;
        struct fcrd_device *dev;
        pid_t pid;
        int fd, go_fd;
        sd_event_source *io, *child, *timer;
        char buf[1024];
        size_t len;
        bool writing, timed_out, exited, eof;
        int status;
        uint64_t start_usec;
        unsigned long long done, total;
        char result[32], message[512];
        long tags;
        char allocator[64];
};

const char *fcrd_state_str(enum fcrd_state s) {
        static const char *const names[] = { "clean", "dirty", "replaying", "replayed", "refused", "failed" };

        return names[s];
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct fcrd_device *find_device(struct fcrd_manager *m, const char *node, bool create) {
        struct fcrd_device *d, **slot;

        for (size_t i = 0; i < m->n_devices; i++)
                if (!strcmp(m->devices[i]->node, node))
                        return m->devices[i];
        if (!create)
                return NULL;
        d = calloc(1, sizeof(*d));
        if (!d || !(d->node = strdup(node)) || !(slot = FCR_PUSH(m->devices, m->n_devices, m->cap_devices))) {
                if (d)
                        free(d->node);
                free(d);
                return NULL;
        }
        *slot = d;
        return d;
}

static unsigned queued_count(struct fcrd_manager *m) {
        unsigned n = 0;

        for (size_t i = 0; i < m->n_devices; i++)
                n += m->devices[i]->queued;
        return n;
}

static void maybe_ready(struct fcrd_manager *m) {
        if (!m->initial_pass || !m->discovery_done || m->running || queued_count(m))
                return;
        m->initial_pass = false;
        sd_notifyf(false, "READY=1\nSTATUS=Initial pass done: %zu device(s) known; watching for more", m->n_devices);
        fcrd_log(LOG_INFO, "initial pass done; watching for new devices");
}

static void pump(struct fcrd_manager *m);

static void job_free(struct fcrd_job *j) {
        sd_event_source_disable_unref(j->io);
        sd_event_source_disable_unref(j->child);
        sd_event_source_disable_unref(j->timer);
        if (j->fd >= 0)
                close(j->fd);
        if (j->go_fd >= 0)
                close(j->go_fd);
        free(j);
}

/* Both the pipe's end and the exit are in: the job is over. */
static void job_finish(struct fcrd_job *j) {
        struct fcrd_manager *m = j->m;
        struct fcrd_device *d = j->dev;
        struct fcrd_fields f = { .device = d->node, .allocator = j->allocator, .tags = j->tags };
        int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;

        if (!j->eof || !j->exited)
                return;
        if (j->timed_out) {
                snprintf(j->result, sizeof(j->result), "timeout");
                snprintf(j->message, sizeof(j->message), "no replay within %u s; stopped before writing, "
                         "nothing written", m->config.timeout_sec);
        } else if (!j->result[0]) {
                snprintf(j->result, sizeof(j->result), "failed");
                snprintf(j->message, sizeof(j->message), "the replay process %s",
                         WIFSIGNALED(j->status) ? strsignal(WTERMSIG(j->status)) : "ended without a result");
        }
        f.result = j->result;
        d->usec_taken = now_usec() - j->start_usec;
        d->tags_replayed = j->tags;
        snprintf(d->last_result, sizeof(d->last_result), "%s", j->result);
        snprintf(d->last_message, sizeof(d->last_message), "%s", j->message);
        if (!strcmp(j->result, "replayed")) {
                d->state = FCRD_REPLAYED;
                fcrd_event(LOG_NOTICE, FCRD_MSG_REPLAYED, &f, "replayed in %.3f s: %s", d->usec_taken / 1e6, j->message);
        } else if (!strcmp(j->result, "nothing-to-do") || !strcmp(j->result, "dry-run")) {
                d->state = !strcmp(j->result, "dry-run") ? FCRD_DIRTY : FCRD_CLEAN;
                fcrd_event(LOG_INFO, FCRD_MSG_REPLAYED, &f, "%s: %s", j->result, j->message);
        } else if (!strcmp(j->result, "refused")) {
                d->state = FCRD_REFUSED;
                fcrd_event(LOG_ERR, FCRD_MSG_REFUSED, &f, "refused, nothing written: %s", j->message);
        } else if (!strcmp(j->result, "timeout")) {
                d->state = FCRD_DIRTY;
                fcrd_event(LOG_ERR, FCRD_MSG_TIMEOUT, &f, "%s", j->message);
        } else {
                d->state = FCRD_FAILED;
                fcrd_event(LOG_ERR, FCRD_MSG_FAILED, &f, "failed (exit %d): %s", code, j->message);
        }
        d->job = NULL;
        m->running--;
        job_free(j);
        pump(m);
        maybe_ready(m);
}

static void job_line(struct fcrd_job *j, char *line) {
        struct fcrd_manager *m = j->m;

        if (line[0] == 'P') {
                int off = 0;

                sscanf(line, "P %llu %llu %n", &j->done, &j->total, &off);
                sd_notifyf(false, "STATUS=Replaying %s: %llu/%llu %s%s\nEXTEND_TIMEOUT_USEC=%llu", j->dev->node, j->done,
                           j->total, off ? line + off : "", j->writing ? " (writing)" : "",
                           (unsigned long long) (m->config.timeout_sec ? m->config.timeout_sec : 60) * 1000000ULL);
        } else if (line[0] == 'W' && !j->timed_out) {
                j->writing = true;
                if (write(j->go_fd, "G", 1) != 1)
                        j->writing = false;     /* the child is gone: it writes nothing */
                sd_notifyf(false, "STATUS=Replaying %s: writing", j->dev->node);
        } else if (line[0] == 'R') {
                char res[32] = "";
                int off = 0;

                if (sscanf(line, "R %31s %ld %n", res, &j->tags, &off) >= 2) {
                        snprintf(j->result, sizeof(j->result), "%s", res);
                        snprintf(j->message, sizeof(j->message), "%s", line + off);
                }
        }
}

static int on_job_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct fcrd_job *j = userdata;
        ssize_t n = read(fd, j->buf + j->len, sizeof(j->buf) - 1 - j->len);
        char *nl;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                j->eof = true;
                j->io = sd_event_source_disable_unref(j->io);
                job_finish(j);
                return 0;
        }
        j->len += n;
        j->buf[j->len] = '\0';
        while ((nl = strchr(j->buf, '\n'))) {
                *nl = '\0';
                job_line(j, j->buf);
                j->len -= nl + 1 - j->buf;
                memmove(j->buf, nl + 1, j->len + 1);
        }
        if (j->len == sizeof(j->buf) - 1)
                j->len = 0;     /* an overlong line: drop it */
        return 0;
}

static int on_job_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        struct fcrd_job *j = userdata;

        j->exited = true;
        j->status = si->si_code == CLD_EXITED ? W_EXITCODE(si->si_status, 0) : si->si_status;
        job_finish(j);
        return 0;
}

/* The time limit: before writing, stop the replay (nothing is written);
 * after, report the overrun and let it finish: a half-done write is what
 * the journal protects against, but there is no reason to cause one. */
static int on_job_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fcrd_job *j = userdata;
        struct fcrd_fields f = { .device = j->dev->node, .result = "timeout", .tags = -1, .allocator = j->allocator };

        if (!j->writing) {
                j->timed_out = true;
                kill(j->pid, SIGKILL);
                return 0;
        }
        fcrd_event(LOG_WARNING, FCRD_MSG_TIMEOUT, &f, "replay has run past its %u s limit while writing; "
                   "letting it finish", j->m->config.timeout_sec);
        return 0;
}

static void start_job(struct fcrd_manager *m, struct fcrd_device *d) {
        struct fcrd_replay_args a = {
                .device = d->node, .allocator = m->config.allocator, .plugin_dir = m->config.plugin_dir,
                .dry_run = m->config.dry_run,
        };
        struct fcrd_fields f = { .device = d->node, .tags = -1 };
        struct fcrd_job *j = calloc(1, sizeof(*j));
        int r;

        d->queued = false;
        if (!j) {
                d->state = FCRD_FAILED;
                return;
        }
        j->m = m;
        j->dev = d;
        j->fd = j->go_fd = -1;
        j->start_usec = now_usec();
        snprintf(j->allocator, sizeof(j->allocator), "%s", m->config.allocator ? m->config.allocator : "kernel");
        f.allocator = j->allocator;
        r = fcrd_worker_start(&a, &j->pid, &j->fd, &j->go_fd);
        if (r >= 0)
                r = sd_event_add_io(m->event, &j->io, j->fd, EPOLLIN, on_job_io, j);
        if (r >= 0)
                r = sd_event_add_child(m->event, &j->child, j->pid, WEXITED, on_job_exit, j);
        if (r >= 0 && m->config.timeout_sec)
                r = sd_event_add_time_relative(m->event, &j->timer, CLOCK_MONOTONIC,
                                               (uint64_t) m->config.timeout_sec * 1000000, 0, on_job_timeout, j);
        if (r < 0) {
                if (j->pid > 0 && !j->child)
                        kill(j->pid, SIGKILL), waitpid(j->pid, NULL, 0);
                d->state = FCRD_FAILED;
                fcrd_event(LOG_ERR, FCRD_MSG_FAILED, &f, "cannot start a replay: %s", strerror(-r));
                job_free(j);
                return;
        }
        d->job = j;
        d->state = FCRD_REPLAYING;
        m->running++;
        fcrd_event(LOG_INFO, FCRD_MSG_STARTED, &f, "replay started (allocator %s%s)", j->allocator,
                   m->config.dry_run ? ", dry run" : "");
        sd_notifyf(false, "STATUS=Replaying %s\nEXTEND_TIMEOUT_USEC=%llu", d->node,
                   (unsigned long long) (m->config.timeout_sec ? m->config.timeout_sec + 5 : 65) * 1000000ULL);
}

static void pump(struct fcrd_manager *m) {
        for (size_t i = 0; i < m->n_devices && m->running < m->config.parallel; i++)
                if (m->devices[i]->queued && !m->devices[i]->job)
                        start_job(m, m->devices[i]);
}

static void skip(const char *node, const char *why, int prio) {
        struct fcrd_fields f = { .device = node, .result = "skipped", .tags = -1 };

        fcrd_event(prio, FCRD_MSG_SKIPPED, &f, "skipped: %s", why);
}

void fcrd_manager_consider(struct fcrd_manager *m, const char *node) {
        struct fcrd_probe p;
        struct fcrd_device *d;
        int r = fcrd_probe_device(node, &p);

        if (r < 0) {
                skip(node, strerror(-r), LOG_DEBUG);
                return;
        }
        if (!p.ext4) {
                skip(node, "not ext4", LOG_DEBUG);
                return;
        }
        if (!fcrd_config_wants(&m->config, node, p.uuid, p.label)) {
                skip(node, "excluded by the configuration", LOG_INFO);
                return;
        }
        d = find_device(m, node, true);
        if (!d)
                return;
        snprintf(d->uuid, sizeof(d->uuid), "%s", p.uuid);
        snprintf(d->label, sizeof(d->label), "%s", p.label);
        if (d->job || d->queued)
                return;         /* never two replays of one device */
        if (!p.needs_recovery) {
                d->state = FCRD_CLEAN;
                skip(node, "clean (no journal recovery pending)", LOG_INFO);
                return;
        }
        d->state = FCRD_DIRTY;
        if (p.mounted) {
                skip(node, "mounted", LOG_NOTICE);
                return;
        }
        if (!m->config.auto_replay) {
                skip(node, "dirty, but automatic replay is off (auto_replay=no or fcreplay.mode=skip)", LOG_NOTICE);
                return;
        }
        d->queued = true;
        pump(m);
}

void fcrd_manager_discovery_done(struct fcrd_manager *m) {
        m->discovery_done = true;
        maybe_ready(m);
}

void fcrd_manager_free(struct fcrd_manager *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                struct fcrd_job *j = m->devices[i]->job;

                if (j) {
                        /* Stopping: a replay that has not begun writing is
                         * stopped; one that writes is waited for. */
                        if (!j->writing)
                                kill(j->pid, SIGKILL);
                        waitpid(j->pid, NULL, 0);
                        job_free(j);
                }
                free(m->devices[i]->node);
                free(m->devices[i]);
        }
        free(m->devices);
        fcrd_config_done(&m->config);
}
