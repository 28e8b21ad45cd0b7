/* The queue, the initial pass (READY=1), reload and stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "job.h"
#include "log.h"
#include "manager.h"

int fcrd_manager_init(struct fcrd_manager *m) {
        m->initial_pass = true;
        return fcrd_prober_new(m->event, &m->prober);
}

void fcrd_manager_changed(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d, struct fcrd_job *j) {
        if (m->on_change)
                m->on_change(m, what, d, j);
}

static unsigned queued_count(struct fcrd_manager *m) {
        unsigned n = 0;

        for (size_t i = 0; i < m->n_devices; i++)
                n += m->devices[i]->queued;
        return n;
}

bool fcrd_manager_maybe_ready(struct fcrd_manager *m) {
        if (!m->initial_pass || !m->discovery_done || m->running || queued_count(m) ||
            fcrd_prober_pending(m->prober))
                return false;
        m->initial_pass = false;
        fcrd_manager_changed(m, FCRD_MANAGER_CHANGED, NULL, NULL);
        fcrd_manager_notify_status(m, "READY=1\n");
        fcrd_log(LOG_INFO, "initial pass done; watching for new devices");
        return true;
}

void fcrd_manager_pump(struct fcrd_manager *m) {
        if (m->stopping)
                return;
        for (size_t i = 0; i < m->n_devices && m->running < m->config.parallel; i++)
                if (m->devices[i]->queued && !m->devices[i]->job)
                        fcrd_job_start(m, m->devices[i], NULL);
}

void fcrd_manager_discovery_done(struct fcrd_manager *m) {
        m->discovery_done = true;
        fcrd_manager_maybe_ready(m);
}

void fcrd_manager_set_config(struct fcrd_manager *m, struct fcrd_config *c) {
        fcrd_config_done(&m->config);
        m->config = *c;
        fcrd_excluded_forget(m);
        fcrd_manager_changed(m, FCRD_MANAGER_CHANGED, NULL, NULL);
}

void fcrd_manager_stop(struct fcrd_manager *m) {
        m->stopping = true;
        /* D-Bus callers waiting for a probe hear that it is over. */
        fcrd_probes_cancel();
        for (size_t i = 0; i < m->n_devices; i++) {
                struct fcrd_device *d = m->devices[i];
                struct fcrd_fields f = fcrd_device_fields(d, FCRD_RESULT_STOPPED, -1, NULL);

                if (d->queued) {
                        d->queued = false;
                        fcrd_event(LOG_WARNING, FCRD_MSG_STOPPED, &f, "not replayed: fcreplayd is stopping; it "
                                   "still needs recovery");
                }
                if (d->job)
                        fcrd_job_stop(d->job);  /* logs the result */
        }
}

void fcrd_manager_free(struct fcrd_manager *m) {
        /* First: its pending requests point at jobs. */
        fcrd_prober_free(m->prober);
        m->prober = NULL;
        fcrd_devices_free(m);
        for (size_t i = 0; i < FCRD_DONE_JOBS; i++)
                if (m->done_jobs[i])
                        fcrd_job_free(m->done_jobs[i]);
        fcrd_excluded_forget(m);
        fcrd_config_done(&m->config);
        fcrd_child_forget_all();
}

struct fcrd_job *fcrd_manager_find_job(struct fcrd_manager *m, unsigned id) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i]->job && m->devices[i]->job->id == id)
                        return m->devices[i]->job;
        for (size_t i = 0; i < FCRD_DONE_JOBS; i++)
                if (m->done_jobs[i] && m->done_jobs[i]->id == id)
                        return m->done_jobs[i];
        return NULL;
}

const char *fcrd_manager_state(const struct fcrd_manager *m) {
        return m->initial_pass ? "initial-pass" : "running";
}
