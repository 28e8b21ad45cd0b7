#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include "log.h"
#include "manager.h"
#include "probe.h"
#include "probe_child.h"
#include "mounts.h"
#include <fcreplay/util.h>
#include "worker.h"


const char *fcrd_state_str(enum fcrd_state s) {
        static const char *const names[] = { "clean", "dirty", "mounted", "replaying", "replayed", "refused", "failed" };

        return names[s];
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A device's journal fields: what the admin knows it by. */
static struct fcrd_fields dev_fields(const struct fcrd_device *d, enum fcrd_result result, long tags,
                                     const char *allocator) {
        return (struct fcrd_fields) { .device = d->node, .result = result, .tags = tags, .allocator = allocator,
                                      .label = d->label, .uuid = d->uuid, .backing = d->backing };
}

static void changed(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d, struct fcrd_job *j) {
        if (m->on_change)
                m->on_change(m, what, d, j);
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

/* STATUS= when nothing new starts: what still runs, or an idle line, so
 * that systemctl status never shows a replay that has ended. */
void fcrd_manager_notify_status(struct fcrd_manager *m, const char *prefix) {
        const char *no_auto = fcrd_config_no_auto_replay(&m->config);

        if (m->running)
                sd_notifyf(false, "%sSTATUS=Replaying %u device(s)", prefix, m->running);
        else
                /* Shows why dirty devices were left alone. */
                sd_notifyf(false, "%sSTATUS=Idle: %zu device(s) known; watching for more%s%s", prefix, m->n_devices,
                           no_auto ? "; automatic replay off by " : "", no_auto ? no_auto : "");
}

/* true when READY=1 (with its status line) was sent now. */
static bool maybe_ready(struct fcrd_manager *m) {
        if (!m->initial_pass || !m->discovery_done || m->running || queued_count(m))
                return false;
        m->initial_pass = false;
        changed(m, FCRD_MANAGER_CHANGED, NULL, NULL);
        fcrd_manager_notify_status(m, "READY=1\n");
        fcrd_log(LOG_INFO, "initial pass done; watching for new devices");
        return true;
}

static void pump(struct fcrd_manager *m);

/* What a probe says: mounted wins, as ext4 keeps needs_recovery set on a
 * mounted filesystem. */
static enum fcrd_state probed_state(const struct fcrd_probe *p) {
        return p->mounted ? FCRD_MOUNTED : p->needs_recovery ? FCRD_DIRTY : FCRD_CLEAN;
}

/* After a run that wrote nothing or found nothing to do (a dry run, a
 * forced run of a clean device, a stop before writing), the superblock
 * says what the device is, not the way the run ended. */
static enum fcrd_state reprobed_state(const char *node, enum fcrd_state fallback) {
        struct fcrd_probe p;

        return fcrd_probe_device(node, &p) >= 0 && p.ext4 ? probed_state(&p) : fallback;
}

static void job_free(struct fcrd_job *j) {
        fcrd_child_done(&j->child);
        if (j->go_fd >= 0)
                close(j->go_fd);
        free(j);
}

/* Both the pipe's end and the exit are in: the job is over. */
static void job_finish(struct fcrd_job *j) {
        struct fcrd_manager *m = j->m;
        struct fcrd_device *d = j->dev;
        struct fcrd_fields f = dev_fields(d, FCRD_RESULT_NONE, j->tags, j->allocator);
        int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;
        unsigned running;

        if (!j->eof || !j->exited)
                return;
        if (j->stopped) {
                j->result = FCRD_RESULT_STOPPED;
                snprintf(j->message, sizeof(j->message), "not replayed: fcreplayd stopped before the replay began "
                         "writing; nothing written");
        } else if (j->cancelled) {
                j->result = FCRD_RESULT_CANCELLED;
                snprintf(j->message, sizeof(j->message), "cancelled before writing; nothing written");
        } else if (j->timed_out) {
                j->result = FCRD_RESULT_TIMEOUT;
                snprintf(j->message, sizeof(j->message), "no replay within %u s; stopped before writing, "
                         "nothing written", m->config.timeout_sec);
        } else if (j->result == FCRD_RESULT_NONE) {
                j->result = FCRD_RESULT_FAILED;
                snprintf(j->message, sizeof(j->message), "the replay process %s",
                         WIFSIGNALED(j->status) ? strsignal(WTERMSIG(j->status)) : "ended without a result");
        }
        f.result = j->result;
        d->usec_taken = now_usec() - j->start_usec;
        d->tags_replayed = j->tags;
        d->last_result = j->result;
        snprintf(d->last_message, sizeof(d->last_message), "%s", j->message);
        switch (j->result) {
        case FCRD_RESULT_REPLAYED:
                d->state = FCRD_REPLAYED;
                fcrd_event(LOG_NOTICE, FCRD_MSG_REPLAYED, &f, "replayed in %.3f s: %s", d->usec_taken / 1e6, j->message);
                break;
        case FCRD_RESULT_NOTHING_TO_DO:
        case FCRD_RESULT_DRY_RUN:
                d->state = reprobed_state(d->node, j->result == FCRD_RESULT_DRY_RUN ? FCRD_DIRTY : FCRD_CLEAN);
                fcrd_event(LOG_INFO, FCRD_MSG_REPLAYED, &f, "%s: %s", fcrd_result_to_string(j->result), j->message);
                break;
        case FCRD_RESULT_REFUSED:
                d->state = FCRD_REFUSED;
                fcrd_event(LOG_ERR, FCRD_MSG_REFUSED, &f, "refused, nothing written: %s", j->message);
                break;
        case FCRD_RESULT_BUSY:
                /* Nothing written: the superblock still says what it is. */
                d->state = reprobed_state(d->node, FCRD_DIRTY);
                fcrd_event(LOG_WARNING, FCRD_MSG_FAILED, &f, "busy, not replayed, nothing written: %s", j->message);
                break;
        case FCRD_RESULT_STOPPED:
                d->state = reprobed_state(d->node, FCRD_DIRTY);
                fcrd_event(LOG_WARNING, FCRD_MSG_STOPPED, &f, "%s", j->message);
                break;
        case FCRD_RESULT_TIMEOUT:
        case FCRD_RESULT_CANCELLED:
                d->state = reprobed_state(d->node, FCRD_DIRTY);
                fcrd_event(LOG_ERR, FCRD_MSG_TIMEOUT, &f, "%s", j->message);
                break;
        default:
                d->state = FCRD_FAILED;
                fcrd_event(LOG_ERR, FCRD_MSG_FAILED, &f, "failed (exit %d): %s", code, j->message);
        }
        d->job = NULL;
        m->running--;
        j->finished = true;
        /* When stopping, main releases what is held once every write is done. */
        if (!m->stopping)
                fcrd_hold_release(&j->hold, true);
        j->child.timer = sd_event_source_disable_unref(j->child.timer);
        /* Keep the last few for clients reading how they ended. */
        if (m->done_jobs[0])
                job_free(m->done_jobs[0]);
        memmove(m->done_jobs, m->done_jobs + 1, sizeof(m->done_jobs) - sizeof(m->done_jobs[0]));
        m->done_jobs[sizeof(m->done_jobs) / sizeof(m->done_jobs[0]) - 1] = j;
        changed(m, FCRD_JOB_DONE, d, j);
        changed(m, FCRD_DEVICE_CHANGED, d, NULL);
        if (m->stopping)
                return;
        running = m->running;
        pump(m);
        /* A replay that starts says so itself; READY=1 has its own line. */
        if (!maybe_ready(m) && m->running == running)
                fcrd_manager_notify_status(m, "");
}

static void job_line(struct fcrd_job *j, char *line) {
        struct fcrd_manager *m = j->m;

        /* Progress has one unit, blocks written, and only while writing:
         * planning has no count that could sit at 100 %. */
        if (line[0] == 'P' && j->writing) {
                sscanf(line, "P %llu %llu", &j->done, &j->total);
                sd_notifyf(false, "STATUS=Replaying %s: writing %llu/%llu blocks\nEXTEND_TIMEOUT_USEC=%llu",
                           j->dev->node, j->done, j->total,
                           (unsigned long long) (m->config.timeout_sec ? m->config.timeout_sec : 60) * 1000000ULL);
                changed(m, FCRD_JOB_PROGRESS, j->dev, j);
        } else if (line[0] == 'W' && !j->timed_out && !j->cancelled) {
                sscanf(line, "W %llu", &j->total);
                j->done = 0;
                j->writing = true;
                j->write_start_usec = now_usec();
                if (write(j->go_fd, "G", 1) != 1)
                        j->writing = false;     /* the child is gone: it writes nothing */
                sd_notifyf(false, "STATUS=Replaying %s: writing 0/%llu blocks", j->dev->node, j->total);
                changed(m, FCRD_JOB_PROGRESS, j->dev, j);
        } else if (line[0] == 'R') {
                char res[32] = "";
                int off = 0;

                /* Parsed here once; from here on the result is the enum. */
                if (sscanf(line, "R %31s %ld %n", res, &j->tags, &off) >= 2 &&
                    fcrd_result_from_string(res, &j->result) >= 0)
                        snprintf(j->message, sizeof(j->message), "%s", line + off);
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
                j->child.io = sd_event_source_disable_unref(j->child.io);
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
        struct fcrd_fields f = dev_fields(j->dev, FCRD_RESULT_TIMEOUT, -1, j->allocator);

        if (!j->writing) {
                j->timed_out = true;
                kill(j->child.pid, SIGKILL);
                return 0;
        }
        fcrd_event(LOG_WARNING, FCRD_MSG_TIMEOUT, &f, "replay has run past its %u s limit while writing; "
                   "letting it finish", j->m->config.timeout_sec);
        return 0;
}

static struct fcrd_job *start_job(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_replay_opts *o) {
        struct fcrd_replay_args a = {
                .device = d->node, .allocator = o && o->allocator ? o->allocator : fcrd_config_allocator(&m->config),
                .plugin_dir = m->config.shared.plugin_dir, .plugins = m->config.plugins,
                .dry_run = (o && o->dry_run) || m->config.dry_run,
        };
        struct fcrd_fields f = dev_fields(d, FCRD_RESULT_NONE, -1, NULL);
        struct fcrd_job *j = calloc(1, sizeof(*j));
        struct fcrd_hold_key k = {};
        int r;

        struct timespec rt;

        d->queued = false;
        (void) fcrd_hold_key_from_node(d->node, NULL, &k);
        if (!j) {
                d->state = FCRD_FAILED;
                fcrd_hold_release(&k, true);
                return NULL;
        }
        j->hold = k;
        clock_gettime(CLOCK_REALTIME, &rt);
        j->start_realtime_usec = (uint64_t) rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
        j->id = ++m->next_job_id;
        j->dry_run = a.dry_run;
        j->m = m;
        j->dev = d;
        j->child = FCRD_CHILD_NULL;
        j->go_fd = -1;
        j->start_usec = now_usec();
        snprintf(j->allocator, sizeof(j->allocator), "%s", a.allocator);
        f.allocator = j->allocator;
        r = fcrd_worker_start(&a, &j->child.pid, &j->child.fd, &j->go_fd);
        if (r >= 0)
                r = fcrd_child_watch(&j->child, m->event, m->config.timeout_sec, on_job_io, on_job_exit,
                                     on_job_timeout, j);
        if (r < 0) {
                d->state = FCRD_FAILED;
                fcrd_event(LOG_ERR, FCRD_MSG_FAILED, &f, "cannot start a replay: %s", strerror(-r));
                fcrd_hold_release(&k, true);
                job_free(j);
                changed(m, FCRD_DEVICE_CHANGED, d, NULL);
                return NULL;
        }
        d->job = j;
        d->state = FCRD_REPLAYING;
        m->running++;
        fcrd_event(LOG_INFO, FCRD_MSG_STARTED, &f, "replay started (allocator %s%s)", j->allocator,
                   j->dry_run ? ", dry run" : "");
        sd_notifyf(false, "STATUS=Replaying %s: planning\nEXTEND_TIMEOUT_USEC=%llu", d->node,
                   (unsigned long long) (m->config.timeout_sec ? m->config.timeout_sec + 5 : 65) * 1000000ULL);
        changed(m, FCRD_DEVICE_CHANGED, d, NULL);
        return j;
}

static void pump(struct fcrd_manager *m) {
        if (m->stopping)
                return;
        for (size_t i = 0; i < m->n_devices && m->running < m->config.parallel; i++)
                if (m->devices[i]->queued && !m->devices[i]->job)
                        start_job(m, m->devices[i], NULL);
}

static void remember_probe(struct fcrd_device *d, const struct fcrd_probe *p) {
        snprintf(d->uuid, sizeof(d->uuid), "%s", p->uuid);
        snprintf(d->label, sizeof(d->label), "%s", p->label);
        snprintf(d->backing, sizeof(d->backing), "%s", p->backing);
}

/* What a probe says, before any replay. */
static void set_probed_state(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_probe *p) {
        enum fcrd_state s = probed_state(p);

        if (d->state == s)
                return;
        d->state = s;
        changed(m, FCRD_DEVICE_CHANGED, d, NULL);
}

/* p: what is known of the device (NULL: nothing). */
static void skip(const char *node, const struct fcrd_probe *p, const char *why, int prio) {
        struct fcrd_fields f = { .device = node, .result = FCRD_RESULT_SKIPPED, .tags = -1 };

        if (p) {
                f.label = p->label;
                f.uuid = p->uuid;
                f.backing = p->backing;
        }
        fcrd_event(prio, FCRD_MSG_SKIPPED, &f, "skipped: %s", why);
}

/* Whether the filesystem at node was logged as excluded already;
 * remembers it if not. */
static bool excluded_before(struct fcrd_manager *m, const char *node, const char *uuid) {
        char *key, **slot;

        if (asprintf(&key, "%s %s", node, uuid) < 0)
                return false;
        for (size_t i = 0; i < m->n_excluded; i++)
                if (!strcmp(m->excluded[i], key)) {
                        free(key);
                        return true;
                }
        slot = FCR_PUSH(m->excluded, m->n_excluded, m->cap_excluded);
        if (!slot) {
                free(key);
                return false;
        }
        *slot = key;
        return false;
}

static void forget_excluded(struct fcrd_manager *m) {
        for (size_t i = 0; i < m->n_excluded; i++)
                free(m->excluded[i]);
        free(m->excluded);
        m->excluded = NULL;
        m->n_excluded = m->cap_excluded = 0;
}

static void consider(struct fcrd_manager *m, const char *node) {
        struct fcrd_probe p;
        struct fcrd_device *d;
        int r = fcrd_probe_device(node, &p);

        if (r < 0) {
                struct fcrd_probe q = {};
                /* Gone, or a drive with no medium: nothing an admin must see.
                 * Anything else (EPERM, EIO) may hide a dirty filesystem. */
                bool gone = r == -ENOENT || r == -ENXIO || r == -ENODEV || r == -ENOMEDIUM;
                char why[128];

                fcrd_loop_backing(node, q.backing, sizeof(q.backing));
                snprintf(why, sizeof(why), "cannot probe it: %s", strerror(-r));
                skip(node, &q, why, gone ? LOG_DEBUG : LOG_WARNING);
                return;
        }
        if (!p.ext4) {
                skip(node, &p, "not ext4", LOG_DEBUG);
                return;
        }
        if (!fcrd_config_wants(&m->config, node, p.uuid, p.label)) {
                if (!excluded_before(m, node, p.uuid))
                        skip(node, &p, "excluded by the configuration", LOG_INFO);
                return;
        }
        d = find_device(m, node, true);
        if (!d)
                return;
        remember_probe(d, &p);
        if (d->job || d->queued)
                return;         /* never two replays of one device */
        set_probed_state(m, d, &p);
        if (p.mounted) {
                skip(node, &p, "mounted", p.needs_recovery ? LOG_NOTICE : LOG_INFO);
                return;
        }
        if (!p.needs_recovery) {
                skip(node, &p, "clean (no journal recovery pending)", LOG_INFO);
                return;
        }
        if (!m->config.auto_replay) {
                char why[128];

                snprintf(why, sizeof(why), "dirty, not replayed because of %s", fcrd_config_no_auto_replay(&m->config));
                skip(node, &p, why, LOG_NOTICE);
                return;
        }
        d->queued = true;
        pump(m);
}

/* Around each decision, for devices that udev holds back from systemd
 * until they are dealt with (hold.h): an incarnation dealt with already
 * (its done marker) is left alone, so the change event that releases it
 * starts nothing; whatever else is decided releases it, except a replay,
 * which does so when it ends. */
void fcrd_manager_consider(struct fcrd_manager *m, const char *node) {
        struct fcrd_hold_key k = {};
        struct fcrd_device *d;

        (void) fcrd_hold_key_from_node(node, NULL, &k);
        if (fcrd_hold_done(&k))
                skip(node, NULL, "dealt with already since it appeared (a replay can still be asked for over D-Bus)",
                     LOG_INFO);
        else
                consider(m, node);
        d = find_device(m, node, false);
        if (!d || (!d->job && !d->queued))
                fcrd_hold_release(&k, false);
}

void fcrd_manager_discovery_done(struct fcrd_manager *m) {
        m->discovery_done = true;
        maybe_ready(m);
}

void fcrd_manager_set_config(struct fcrd_manager *m, struct fcrd_config *c) {
        fcrd_config_done(&m->config);
        m->config = *c;
        forget_excluded(m);
        changed(m, FCRD_MANAGER_CHANGED, NULL, NULL);
}

/* The rest of a job's output and its exit, waited for. */
static void job_drain(struct fcrd_job *j) {
        int status = 0;

        while (!j->eof)
                on_job_io(NULL, j->child.fd, EPOLLIN, j);
        if (!j->exited) {
                while (waitpid(j->child.pid, &status, 0) < 0 && errno == EINTR)
                        ;
                j->status = status;
                j->exited = true;
        }
}

void fcrd_manager_stop(struct fcrd_manager *m) {
        m->stopping = true;
        for (size_t i = 0; i < m->n_devices; i++) {
                struct fcrd_device *d = m->devices[i];
                struct fcrd_job *j = d->job;
                struct fcrd_fields f = dev_fields(d, FCRD_RESULT_STOPPED, -1, NULL);

                if (d->queued) {
                        d->queued = false;
                        fcrd_event(LOG_WARNING, FCRD_MSG_STOPPED, &f, "not replayed: fcreplayd is stopping; it "
                                   "still needs recovery");
                }
                if (!j)
                        continue;
                if (j->writing) {
                        f.allocator = j->allocator;
                        fcrd_event(LOG_NOTICE, FCRD_MSG_STOPPED, &f, "fcreplayd is stopping: waiting for the "
                                   "replay, which is writing");
                } else {
                        j->stopped = true;
                        kill(j->child.pid, SIGKILL);
                }
                job_drain(j);
                job_finish(j);  /* logs the result */
        }
}

void fcrd_manager_free(struct fcrd_manager *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                struct fcrd_job *j = m->devices[i]->job;

                if (j) {
                        /* Stopping: a replay that has not begun writing is
                         * stopped; one that writes is waited for. */
                        if (!j->writing)
                                kill(j->child.pid, SIGKILL);
                        waitpid(j->child.pid, NULL, 0);
                        job_free(j);
                }
                free(m->devices[i]->node);
                free(m->devices[i]);
        }
        free(m->devices);
        for (size_t i = 0; i < sizeof(m->done_jobs) / sizeof(m->done_jobs[0]); i++)
                if (m->done_jobs[i])
                        job_free(m->done_jobs[i]);
        forget_excluded(m);
        fcrd_config_done(&m->config);
}

struct fcrd_job *fcrd_manager_find_job(struct fcrd_manager *m, unsigned id) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i]->job && m->devices[i]->job->id == id)
                        return m->devices[i]->job;
        for (size_t i = 0; i < sizeof(m->done_jobs) / sizeof(m->done_jobs[0]); i++)
                if (m->done_jobs[i] && m->done_jobs[i]->id == id)
                        return m->done_jobs[i];
        return NULL;
}

struct fcrd_device *fcrd_manager_find_device(struct fcrd_manager *m, const char *devnode) {
        return find_device(m, devnode, false);
}

const char *fcrd_manager_state(const struct fcrd_manager *m) {
        return m->initial_pass ? "initial-pass" : "running";
}

int fcrd_manager_cancel(struct fcrd_manager *m, struct fcrd_job *j) {
        if (j->finished || j->writing)
                return -EBUSY;
        j->cancelled = true;
        kill(j->child.pid, SIGKILL);
        return 0;
}

static int refuse(struct fcrd_refusal *why, const char *name, const char *fmt, const char *node) {
        why->name = name;
        snprintf(why->message, sizeof(why->message), fmt, node);
        return -EINVAL;
}

/* A ReplayDevice call while its device is probed (in a child). */
struct replay_req {
        struct fcrd_manager *m;
        char *node, *allocator;
        struct fcrd_replay_opts o;
        fcrd_replay_done_fn done;
        void *userdata;
};

static void replay_req_free(struct replay_req *q) {
        free(q->node);
        free(q->allocator);
        free(q);
}

/* The checks of a replay asked for, on what the probe found. */
static int replay_probed(struct replay_req *q, int r, const struct fcrd_probe *p, struct fcrd_job **ret,
                         struct fcrd_refusal *why) {
        struct fcrd_manager *m = q->m;
        const char *node = q->node;
        struct fcrd_device *d;
        struct fcrd_job *j;

        if (r == -ETIME)
                return refuse(why, "Failed", "%s did not answer its probe within the time limit", node);
        if (r < 0)
                return refuse(why, "NoSuchDevice", "%s cannot be read", node);
        if (m->stopping)
                return refuse(why, "Failed", "fcreplayd is stopping: no replay of %s", node);
        if (!p->ext4 || !p->has_journal)
                return refuse(why, "NotExt4", "%s does not hold an ext4 filesystem with a journal", node);
        d = find_device(m, node, true);
        if (!d)
                return -ENOMEM;
        remember_probe(d, p);
        if (d->job)
                return refuse(why, "Busy", "%s is being replayed already", node);
        set_probed_state(m, d, p);
        if (p->mounted)
                return refuse(why, "Mounted", "%s is mounted", node);
        if (!p->needs_recovery && !q->o.force)
                return refuse(why, "NotDirty", "%s does not need recovery (use force to run anyway)", node);
        j = start_job(m, d, &q->o);
        if (!j)
                return refuse(why, "Failed", "cannot start a replay of %s", node);
        *ret = j;
        return 0;
}

static void on_replay_probed(int r, const char *node, const struct fcrd_probe *p, void *userdata) {
        struct replay_req *q = userdata;
        struct fcrd_refusal why = {};
        struct fcrd_job *j = NULL;

        r = replay_probed(q, r, p, &j, &why);
        q->done(r, r >= 0 ? j : NULL, &why, q->userdata);
        replay_req_free(q);
}

int fcrd_manager_replay(struct fcrd_manager *m, const char *node, const struct fcrd_replay_opts *o,
                        fcrd_replay_done_fn done, void *userdata, struct fcrd_refusal *why) {
        struct replay_req *q;
        struct stat st;
        int r;

        /* The node's type only (stat does not read the device); its
         * content is read in a child, under the time limit. */
        if (stat(node, &st) < 0 || !S_ISBLK(st.st_mode))
                return refuse(why, "NoSuchDevice", "%s does not exist or is not a block device", node);
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = (struct replay_req) { .m = m, .o = *o, .done = done, .userdata = userdata };
        q->node = strdup(node);
        q->allocator = o->allocator ? strdup(o->allocator) : NULL;
        if (!q->node || (o->allocator && !q->allocator)) {
                replay_req_free(q);
                return -ENOMEM;
        }
        q->o.allocator = q->allocator;
        r = fcrd_probe_start(m->event, node, m->config.timeout_sec ? m->config.timeout_sec : 60, false, on_replay_probed,
                             q);
        if (r < 0) {
                replay_req_free(q);
                return refuse(why, "Failed", "cannot probe %s", node);
        }
        return 0;
}

/* An unmounted device's superblock, read again (in a child). */
static void on_unmounted_probed(int r, const char *node, const struct fcrd_probe *p, void *userdata) {
        struct fcrd_manager *m = userdata;
        struct fcrd_device *d;

        if (r == -ETIME)
                fcrd_log(LOG_WARNING, "%s: unmounted, but its filesystem did not let go of it in time; its state "
                         "is read again at its next change", node);
        if (r < 0 || !p->ext4)
                return;         /* gone or changed: its uevent says so */
        d = find_device(m, node, false);
        if (!d || d->job || d->queued)
                return;
        remember_probe(d, p);
        if (d->state == probed_state(p))
                return;         /* still mounted (or mounted again) */
        set_probed_state(m, d, p);
        fcrd_log(LOG_INFO, "%s: unmounted, now %s", d->node, fcrd_state_str(d->state));
}

void fcrd_manager_mounts_changed(struct fcrd_manager *m) {
        struct fcrd_mounts mounts;
        int r = fcrd_mounts_read(&mounts);

        if (r < 0) {
                fcrd_log(LOG_WARNING, "cannot read the mount table: %s", strerror(-r));
                return;
        }
        for (size_t i = 0; i < m->n_devices; i++) {
                struct fcrd_device *d = m->devices[i];
                struct stat st;
                bool mounted;

                /* A replay holds it exclusively: nothing mounts it meanwhile. */
                if (d->job || d->queued || stat(d->node, &st) < 0 || !S_ISBLK(st.st_mode))
                        continue;
                mounted = fcrd_mounts_has(&mounts, st.st_rdev);
                if (mounted && d->state != FCRD_MOUNTED) {
                        d->state = FCRD_MOUNTED;
                        fcrd_log(LOG_INFO, "%s: mounted", d->node);
                        changed(m, FCRD_DEVICE_CHANGED, d, NULL);
                } else if (!mounted && d->state == FCRD_MOUNTED &&
                           /* A generous limit: the filesystem may take a while to let go. */
                           fcrd_probe_start(m->event, d->node, 60, true, on_unmounted_probed, m) < 0)
                        fcrd_log(LOG_WARNING, "%s: unmounted, but cannot probe it again", d->node);
        }
        fcrd_mounts_done(&mounts);
}
