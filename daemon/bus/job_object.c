/* /org/fcreplay1/job/<id>: one replay, running or among the last few
 * that ended. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcreplay/escape.h>
#include <fcreplay/util.h>
#include "objects.h"

int fcrd_bus_job_path(const struct fcrd_job *j, char *buf, size_t len) {
        return snprintf(buf, len, JOB_PREFIX "/%u", j->id);
}

int fcrd_bus_job_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                      sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        struct fcrd_job *j;
        unsigned long id;
        char *end;

        if (strncmp(path, JOB_PREFIX "/", strlen(JOB_PREFIX) + 1))
                return 0;
        id = strtoul(path + strlen(JOB_PREFIX) + 1, &end, 10);
        if (*end || !(j = fcrd_manager_find_job(b->m, id)))
                return 0;
        *found = j;
        return 1;
}

int fcrd_bus_job_enum(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        size_t n_done = sizeof(b->m->done_jobs) / sizeof(b->m->done_jobs[0]), n = 0;
        char **v = calloc(b->m->n_devices + n_done + 1, sizeof(*v)), buf[128];

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < b->m->n_devices; i++)
                if (b->m->devices[i]->job) {
                        fcrd_bus_job_path(b->m->devices[i]->job, buf, sizeof(buf));
                        v[n++] = strdup(buf);
                }
        for (size_t i = 0; i < n_done; i++)
                if (b->m->done_jobs[i]) {
                        fcrd_bus_job_path(b->m->done_jobs[i], buf, sizeof(buf));
                        v[n++] = strdup(buf);
                }
        *nodes = v;
        return 0;
}

/* The one model of progress: "planning" (nothing written, no count),
 * then, for a replay that writes, "writing" BlocksDone of BlocksTotal. */
static const char *job_phase(const struct fcrd_job *j) {
        return j->finished ? "done" : j->writing ? "writing" : "planning";
}

static double job_rate(const struct fcrd_job *j) {
        double secs;

        if (!j->writing)
                return 0.0;
        secs = (fcr_now_usec(CLOCK_MONOTONIC) - j->write_start_usec) / 1e6;
        return secs > 0 ? j->done / secs : 0.0;
}

static int j_prop(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                  void *userdata, sd_bus_error *error) {
        struct fcrd_job *j = userdata;

        if (!strcmp(prop, "Device"))
                return fcrd_bus_append_text(reply, j->dev->node);
        if (!strcmp(prop, "Allocator"))
                return sd_bus_message_append(reply, "s", j->allocator);
        if (!strcmp(prop, "DryRun"))
                return sd_bus_message_append(reply, "b", j->dry_run);
        if (!strcmp(prop, "Phase"))
                return sd_bus_message_append(reply, "s", job_phase(j));
        if (!strcmp(prop, "Progress"))
                return sd_bus_message_append(reply, "d", j->finished ? 1.0 : j->total ? (double) j->done / j->total : 0.0);
        if (!strcmp(prop, "BlocksDone"))
                return sd_bus_message_append(reply, "t", (uint64_t) j->done);
        if (!strcmp(prop, "BlocksTotal"))
                return sd_bus_message_append(reply, "t", (uint64_t) j->total);
        if (!strcmp(prop, "Rate"))
                return sd_bus_message_append(reply, "d", job_rate(j));
        if (!strcmp(prop, "StartTime"))
                return sd_bus_message_append(reply, "t", j->start_realtime_usec);
        if (!strcmp(prop, "Written"))
                return sd_bus_message_append(reply, "b", j->writing);
        /* The typed end: a result name (result.h), "" until it has ended. */
        if (!strcmp(prop, "Result"))
                return sd_bus_message_append(reply, "s", j->finished ? fcrd_result_to_string(j->result) : "");
        if (!strcmp(prop, "Message"))
                return fcrd_bus_append_text(reply, j->finished ? j->message : "");
        if (!strcmp(prop, "State"))
                return sd_bus_message_append(reply, "s", fcrd_job_state(j));
        return fcrd_bus_unknown_property(error, iface, prop);
}

static int j_cancel(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_job *j = userdata;
        int r = fcrd_bus_check_root(msg, error);

        if (r < 0)
                return r;
        if (fcrd_manager_cancel(j->m, j) < 0)
                return sd_bus_error_setf(error, BUS_ERROR("NotCancellable"), "the replay of %s has %s", j->dev->node,
                                         j->writing ? "begun writing" : "ended");
        return sd_bus_reply_method_return(msg, "");
}

const sd_bus_vtable fcrd_job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Cancel", "", "", j_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Completed", "bss", SD_BUS_PARAM(success) SD_BUS_PARAM(result) SD_BUS_PARAM(message),
                                 0),
        SD_BUS_PROPERTY("Device", "s", j_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Allocator", "s", j_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("DryRun", "b", j_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Phase", "s", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Progress", "d", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BlocksDone", "t", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BlocksTotal", "t", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Rate", "d", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StartTime", "t", j_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Written", "b", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Result", "s", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Message", "s", j_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

void fcrd_bus_job_changed(struct fcrd_bus *b, const struct fcrd_job *j, bool done) {
        _cleanup_free_ char *message = NULL;
        char path[128];

        fcrd_bus_job_path(j, path, sizeof(path));
        sd_bus_emit_properties_changed(b->bus, path, BUS_NAME ".Job", "Phase", "Progress", "BlocksDone",
                                       "BlocksTotal", "Rate", "State", "Written", done ? "Result" : NULL,
                                       done ? "Message" : NULL, NULL);
        if (done && (message = fcr_utf8_make_valid(j->message, strlen(j->message))))
                sd_bus_emit_signal(b->bus, path, BUS_NAME ".Job", "Completed", "bss",
                                   fcrd_result_is_success(j->result), fcrd_result_to_string(j->result), message);
}
