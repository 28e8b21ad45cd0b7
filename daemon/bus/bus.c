/* org.fcreplay1 on the system bus (sd-bus), after dbus/org.fcreplay1.xml.
 * The bus does not exist in early boot: the daemon works without it and
 * connects when its socket appears (inotify on the socket's directory, or
 * on its nearest ancestor until that directory exists; no polling), and
 * again after the bus restarts. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include "bus.h"
#include <fcreplay/engine.h>
#include "inspect.h"
#include "log.h"

#define BUS_NAME "org.fcreplay1"
#define ROOT_PATH "/org/fcreplay1"
#define DEVICE_PREFIX "/org/fcreplay1/device"
#define JOB_PREFIX "/org/fcreplay1/job"
#define ERR(x) "org.fcreplay1.Error." x

struct fcrd_bus {
        struct fcrd_manager *m;
        sd_bus *bus;
        sd_bus_slot *slots[8];
        sd_event_source *watch;
        int inotify_fd;
        int wd;                         /* the directory watched now */
        char socket_path[PATH_MAX];
};

/* --- helpers */

static int device_path(const struct fcrd_device *d, char **ret) {
        const char *base = strrchr(d->node, '/');

        return sd_bus_path_encode(DEVICE_PREFIX, base ? base + 1 : d->node, ret);
}

static int job_path(const struct fcrd_job *j, char *buf, size_t len) {
        return snprintf(buf, len, JOB_PREFIX "/%u", j->id);
}

/* Writing and policy changes: root only, checked here and not only in the
 * bus policy. */
static int check_root(sd_bus_message *msg, sd_bus_error *error) {
        sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        sd_bus_creds_unref(creds);
        if (r < 0)
                return sd_bus_error_setf(error, ERR("PermissionDenied"), "cannot tell who is calling: %s",
                                         strerror(-r));
        if (euid != 0)
                return sd_bus_error_setf(error, ERR("PermissionDenied"), "only root may do this (caller uid %u)",
                                         (unsigned) euid);
        return 0;
}

static const char *plugin_dir(struct fcrd_manager *m) {
        return fcr_plugin_dir(m->config.plugin_dir);
}

/* Allocator plugins present: alloc/<name>.so. */
static int allocator_names(struct fcrd_manager *m, char ***ret) {
        char dir[PATH_MAX];
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *dp;

        snprintf(dir, sizeof(dir), "%s/alloc", plugin_dir(m));
        dp = opendir(dir);
        if (!dp)
                return -errno;
        while ((de = readdir(dp))) {
                size_t len = strlen(de->d_name);
                char **v;

                if (len <= 3 || strcmp(de->d_name + len - 3, ".so"))
                        continue;
                v = realloc(names, (n + 2) * sizeof(*v));
                if (!v)
                        break;
                names = v;
                names[n] = strndup(de->d_name, len - 3);
                names[++n] = NULL;
        }
        closedir(dp);
        if (!names)
                names = calloc(1, sizeof(*names));
        *ret = names;
        return 0;
}

static void strv_free(char **v) {
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

static bool allocator_known(struct fcrd_manager *m, const char *name) {
        char **names = NULL;
        bool known = false;

        if (allocator_names(m, &names) >= 0)
                for (char **p = names; *p; p++)
                        known |= !strcmp(*p, name);
        strv_free(names);
        return known;
}

/* --- Manager */

static int m_list_devices(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(oss)");
        for (size_t i = 0; r >= 0 && i < b->m->n_devices; i++) {
                struct fcrd_device *d = b->m->devices[i];
                char *path = NULL;

                r = device_path(d, &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(oss)", path, d->node, fcrd_state_str(d->state));
                free(path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int m_replay_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        struct fcrd_replay_opts o = {};
        struct fcrd_refusal why = {};
        struct fcrd_job *j;
        char path[128], errname[64];
        const char *dev, *key;
        int r;

        r = sd_bus_message_read(msg, "s", &dev);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                r = sd_bus_message_read(msg, "s", &key);
                if (r >= 0 && !strcmp(key, "allocator"))
                        r = sd_bus_message_read(msg, "v", "s", &o.allocator);
                else if (r >= 0 && !strcmp(key, "dry-run"))
                        r = sd_bus_message_read(msg, "v", "b", &o.dry_run);
                else if (r >= 0 && !strcmp(key, "force"))
                        r = sd_bus_message_read(msg, "v", "b", &o.force);
                else if (r >= 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "unknown option '%s' (known: allocator, dry-run, force)", key);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "bad options: %s", strerror(-r));
        r = check_root(msg, error);
        if (r < 0)
                return r;
        if (o.allocator && !allocator_known(b->m, o.allocator))
                return sd_bus_error_setf(error, ERR("UnknownAllocator"), "no allocator plugin named '%s'", o.allocator);
        r = fcrd_manager_replay(b->m, dev, &o, &j, &why);
        if (r == -EINVAL) {
                snprintf(errname, sizeof(errname), ERR("%s"), why.name);
                return sd_bus_error_setf(error, errname, "%s", why.message);
        }
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        job_path(j, path, sizeof(path));
        return sd_bus_reply_method_return(msg, "o", path);
}

struct inspect_call {
        sd_bus_message *msg;
};

static void inspect_done(int r, const char *name, const char *json, const char *message, void *userdata) {
        struct inspect_call *c = userdata;
        char errname[64];

        if (r >= 0)
                (void) sd_bus_reply_method_return(c->msg, "s", json);
        else {
                snprintf(errname, sizeof(errname), ERR("%s"), name);
                (void) sd_bus_reply_method_errorf(c->msg, errname, "%s", message);
        }
        sd_bus_message_unref(c->msg);
        free(c);
}

/* Root only: the journal holds file names and data of files the caller
 * may not read, so the check comes before the path is even looked at,
 * and a refusal says nothing about it. */
static int m_inspect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        struct fcrd_refusal why = {};
        struct inspect_call *c;
        char errname[64];
        const char *dev;
        int r;

        r = sd_bus_message_read(msg, "s", &dev);
        if (r < 0)
                return r;
        r = check_root(msg, error);
        if (r < 0)
                return r;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->msg = sd_bus_message_ref(msg);
        r = fcrd_inspect_start(b->m, dev, inspect_done, c, &why);
        if (r < 0) {
                sd_bus_message_unref(c->msg);
                free(c);
                if (!why.name)
                        return r;
                snprintf(errname, sizeof(errname), ERR("%s"), why.name);
                return sd_bus_error_setf(error, errname, "%s", why.message);
        }
        return 1;       /* the answer comes from inspect_done */
}

static int m_set_allocator(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        const char *name;
        char *copy;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = check_root(msg, error);
        if (r < 0)
                return r;
        if (!allocator_known(b->m, name))
                return sd_bus_error_setf(error, ERR("UnknownAllocator"), "no allocator plugin named '%s' in %s/alloc",
                                         name, plugin_dir(b->m));
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        free(b->m->config.allocator);
        b->m->config.allocator = copy;
        fcrd_log(LOG_NOTICE, "allocator set to %s over D-Bus", name);
        sd_bus_emit_properties_changed(b->bus, ROOT_PATH, BUS_NAME ".Manager", "Allocator", NULL);
        return sd_bus_reply_method_return(msg, "");
}

static int m_list_allocators(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        sd_bus_message *reply = NULL;
        char **names = NULL;
        int r = allocator_names(b->m, &names);

        if (r < 0)
                return sd_bus_error_setf(error, ERR("Failed"), "cannot list %s/alloc: %s", plugin_dir(b->m),
                                         strerror(-r));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, names);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        strv_free(names);
        return r;
}

static int m_prop(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                  void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;

        if (!strcmp(prop, "Allocator"))
                return sd_bus_message_append(reply, "s", b->m->config.allocator ? b->m->config.allocator : "kernel");
        if (!strcmp(prop, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        return sd_bus_message_append(reply, "s", fcrd_manager_state(b->m));
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("ListDevices", "", , "a(oss)", SD_BUS_PARAM(devices), m_list_devices,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReplayDevice", "sa{sv}", SD_BUS_PARAM(device) SD_BUS_PARAM(options), "o",
                                 SD_BUS_PARAM(job), m_replay_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Inspect", "s", SD_BUS_PARAM(device), "s", SD_BUS_PARAM(json), m_inspect,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetAllocator", "s", SD_BUS_PARAM(name), "", , m_set_allocator,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListAllocators", "", , "as", SD_BUS_PARAM(names), m_list_allocators,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Allocator", "s", m_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", m_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", m_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

/* --- Device objects */

static int device_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                       sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        char *name = NULL, node[PATH_MAX];
        struct fcrd_device *d;

        if (sd_bus_path_decode(path, DEVICE_PREFIX, &name) <= 0)
                return 0;
        snprintf(node, sizeof(node), "/dev/%s", name);
        free(name);
        d = fcrd_manager_find_device(b->m, node);
        if (!d)
                return 0;
        *found = d;
        return 1;
}

static int device_enum(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        char **v = calloc(b->m->n_devices + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < b->m->n_devices; i++)
                device_path(b->m->devices[i], &v[i]);
        *nodes = v;
        return 0;
}

static int d_prop(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                  void *userdata, sd_bus_error *error) {
        struct fcrd_device *d = userdata;
        char jp[128] = "/";

        if (!strcmp(prop, "Path"))
                return sd_bus_message_append(reply, "s", d->node);
        if (!strcmp(prop, "UUID"))
                return sd_bus_message_append(reply, "s", d->uuid);
        if (!strcmp(prop, "Label"))
                return sd_bus_message_append(reply, "s", d->label);
        if (!strcmp(prop, "State"))
                return sd_bus_message_append(reply, "s", fcrd_state_str(d->state));
        if (!strcmp(prop, "LastResult"))
                return sd_bus_message_append(reply, "s", d->last_result);
        if (!strcmp(prop, "LastMessage"))
                return sd_bus_message_append(reply, "s", d->last_message);
        if (!strcmp(prop, "TagsReplayed"))
                return sd_bus_message_append(reply, "t", (uint64_t) (d->tags_replayed < 0 ? 0 : d->tags_replayed));
        if (!strcmp(prop, "TimeTaken"))
                return sd_bus_message_append(reply, "t", d->usec_taken);
        if (d->job)
                job_path(d->job, jp, sizeof(jp));
        return sd_bus_message_append(reply, "o", jp);
}

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Path", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("UUID", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Label", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastResult", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastMessage", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TagsReplayed", "t", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TimeTaken", "t", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Job", "o", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

/* --- Job objects */

static int job_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                    sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        const char *tail = path + strlen(JOB_PREFIX);
        struct fcrd_job *j;
        char *end;
        unsigned long id;

        if (strncmp(path, JOB_PREFIX "/", strlen(JOB_PREFIX) + 1))
                return 0;
        id = strtoul(tail + 1, &end, 10);
        if (*end || !(j = fcrd_manager_find_job(b->m, id)))
                return 0;
        *found = j;
        return 1;
}

static int job_enum(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        size_t cap = b->m->n_devices + 9, n = 0;
        char **v = calloc(cap, sizeof(*v)), buf[128];

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < b->m->n_devices; i++)
                if (b->m->devices[i]->job) {
                        job_path(b->m->devices[i]->job, buf, sizeof(buf));
                        v[n++] = strdup(buf);
                }
        for (size_t i = 0; i < 8; i++)
                if (b->m->done_jobs[i]) {
                        job_path(b->m->done_jobs[i], buf, sizeof(buf));
                        v[n++] = strdup(buf);
                }
        *nodes = v;
        return 0;
}

static const char *job_state(const struct fcrd_job *j) {
        if (!j->finished)
                return j->writing ? "writing" : "running";
        if (j->cancelled)
                return "cancelled";
        return !strcmp(j->result, "replayed") || !strcmp(j->result, "nothing-to-do") || !strcmp(j->result, "dry-run")
                ? "completed" : "failed";
}

/* The one model of progress: "planning" (nothing written, no count),
 * then, for a replay that writes, "writing" BlocksDone of BlocksTotal. */
static const char *job_phase(const struct fcrd_job *j) {
        return j->finished ? "done" : j->writing ? "writing" : "planning";
}

static int j_prop(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                  void *userdata, sd_bus_error *error) {
        struct fcrd_job *j = userdata;
        double secs;

        if (!strcmp(prop, "Device"))
                return sd_bus_message_append(reply, "s", j->dev->node);
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
        if (!strcmp(prop, "Rate")) {
                struct timespec ts;

                if (!j->writing)
                        return sd_bus_message_append(reply, "d", 0.0);
                clock_gettime(CLOCK_MONOTONIC, &ts);
                secs = ((uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - j->write_start_usec) / 1e6;
                return sd_bus_message_append(reply, "d", secs > 0 ? j->done / secs : 0.0);
        }
        if (!strcmp(prop, "StartTime"))
                return sd_bus_message_append(reply, "t", j->start_realtime_usec);
        return sd_bus_message_append(reply, "s", job_state(j));
}

static int j_cancel(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_job *j = userdata;
        int r = check_root(msg, error);

        if (r < 0)
                return r;
        if (fcrd_manager_cancel(j->m, j) < 0)
                return sd_bus_error_setf(error, ERR("NotCancellable"), "the replay of %s has %s", j->dev->node,
                                         j->finished ? "ended" : "begun writing");
        return sd_bus_reply_method_return(msg, "");
}

static const sd_bus_vtable job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Cancel", "", "", j_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Completed", "bs", SD_BUS_PARAM(success) SD_BUS_PARAM(message), 0),
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
        SD_BUS_VTABLE_END
};

/* --- changes from the manager */

static void on_change(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d, struct fcrd_job *j) {
        struct fcrd_bus *b = m->bus;
        char jp[128], *dp = NULL;

        if (!b || !b->bus)
                return;
        if (what == FCRD_MANAGER_CHANGED)
                sd_bus_emit_properties_changed(b->bus, ROOT_PATH, BUS_NAME ".Manager", "State", "Allocator", NULL);
        else if (what == FCRD_DEVICE_CHANGED && d && device_path(d, &dp) >= 0) {
                sd_bus_emit_properties_changed(b->bus, dp, BUS_NAME ".Device", "State", "LastResult", "LastMessage",
                                               "TagsReplayed", "TimeTaken", "Job", NULL);
                free(dp);
        } else if (what == FCRD_JOB_PROGRESS || what == FCRD_JOB_DONE) {
                job_path(j, jp, sizeof(jp));
                sd_bus_emit_properties_changed(b->bus, jp, BUS_NAME ".Job", "Phase", "Progress", "BlocksDone",
                                               "BlocksTotal", "Rate", "State", NULL);
                if (what == FCRD_JOB_DONE) {
                        bool ok = !strcmp(job_state(j), "completed");
                        char msg[700];

                        snprintf(msg, sizeof(msg), "%s: %s", j->result, j->message);
                        sd_bus_emit_signal(b->bus, jp, BUS_NAME ".Job", "Completed", "bs", ok, msg);
                }
        }
}

/* --- connecting, and reconnecting after the bus restarts */

static int watch_for_bus(struct fcrd_bus *b);

static void disconnect(struct fcrd_bus *b) {
        for (size_t i = 0; i < sizeof(b->slots) / sizeof(b->slots[0]); i++)
                b->slots[i] = sd_bus_slot_unref(b->slots[i]);
        if (b->bus) {
                sd_bus_detach_event(b->bus);
                b->bus = sd_bus_flush_close_unref(b->bus);
        }
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;

        fcrd_log(LOG_NOTICE, "the system bus went away; waiting for it to come back");
        disconnect(b);
        watch_for_bus(b);
        return 0;
}

static int try_connect(struct fcrd_bus *b) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);

        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, &b->slots[0], ROOT_PATH, BUS_NAME ".Manager", manager_vtable, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, &b->slots[1], DEVICE_PREFIX, BUS_NAME ".Device", device_vtable,
                                               device_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, &b->slots[2], DEVICE_PREFIX, device_enum, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, &b->slots[3], JOB_PREFIX, BUS_NAME ".Job", job_vtable, job_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, &b->slots[4], JOB_PREFIX, job_enum, b);
        if (r >= 0)
                r = sd_bus_add_object_manager(bus, &b->slots[5], ROOT_PATH);
        if (r >= 0)
                r = sd_bus_match_signal(bus, &b->slots[6], "org.freedesktop.DBus.Local", NULL,
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, b);
        if (r >= 0)
                r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r >= 0)
                r = sd_bus_attach_event(bus, b->m->event, 0);
        if (r < 0) {
                b->bus = bus;
                disconnect(b);
                return r;
        }
        b->bus = bus;
        fcrd_log(LOG_INFO, "serving " BUS_NAME " on the system bus");
        return 0;
}

static void stop_watching(struct fcrd_bus *b) {
        b->watch = sd_event_source_disable_unref(b->watch);
        if (b->inotify_fd >= 0)
                close(b->inotify_fd);
        b->inotify_fd = -1;
        b->wd = -1;
}

/* Directories only (IN_ONLYDIR): a file in the way is waited out, not
 * watched.  *_SELF: the watched directory went away or moved. */
#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* Watch the deepest directory on the way to the socket that exists (at
 * boot /run/dbus may not exist yet), and connect once the socket is
 * there.  After each watch is added, look one level down again: what
 * appeared before the watch was in place sends no event. */
static int rewatch(struct fcrd_bus *b) {
        char dir[PATH_MAX], next[PATH_MAX];
        const char *rest;
        struct stat st;
        char *slash;
        int wd, r;

        for (;;) {
                snprintf(dir, sizeof(dir), "%s", b->socket_path);
                do {
                        slash = strrchr(dir, '/');
                        slash[slash == dir] = '\0';    /* "/" stays "/" */
                        wd = inotify_add_watch(b->inotify_fd, dir, WATCH_MASK);
                } while (wd < 0 && (errno == ENOENT || errno == ENOTDIR) && slash != dir);
                if (wd < 0) {
                        r = -errno;
                        fcrd_log(LOG_WARNING, "cannot watch %s for the system bus: %s", dir, strerror(-r));
                        return r;
                }
                /* The same directory gives the same descriptor back. */
                if (b->wd >= 0 && b->wd != wd)
                        (void) inotify_rm_watch(b->inotify_fd, b->wd);
                b->wd = wd;
                rest = b->socket_path + strlen(dir) + (slash != dir);
                slash = strchr(rest, '/');
                if (!slash)
                        break;
                snprintf(next, sizeof(next), "%.*s", (int) (slash - b->socket_path), b->socket_path);
                if (stat(next, &st) < 0 || !S_ISDIR(st.st_mode))
                        return 0;
                /* It is there already: move the watch down to it. */
        }
        if (access(b->socket_path, F_OK) == 0 && try_connect(b) >= 0)
                stop_watching(b);
        return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct fcrd_bus *b = userdata;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        /* Which event does not matter: each one means look again. */
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        if (rewatch(b) < 0)
                stop_watching(b);
        return 0;
}

/* Inotify on the way to the socket: no polling. */
static int watch_for_bus(struct fcrd_bus *b) {
        int r;

        if (b->inotify_fd >= 0)
                return 0;
        if (b->socket_path[0] != '/') {
                fcrd_log(LOG_WARNING, "cannot watch for the system bus: %s is not an absolute path", b->socket_path);
                return -EINVAL;
        }
        b->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (b->inotify_fd < 0) {
                r = -errno;
                fcrd_log(LOG_WARNING, "cannot watch for the system bus: %s", strerror(-r));
                return r;
        }
        r = sd_event_add_io(b->m->event, &b->watch, b->inotify_fd, EPOLLIN, on_inotify, b);
        if (r < 0)
                fcrd_log(LOG_WARNING, "cannot watch for the system bus: %s", strerror(-r));
        else
                r = rewatch(b);
        if (r < 0)
                stop_watching(b);
        return r;
}

int fcrd_bus_start(struct fcrd_manager *m, struct fcrd_bus **ret) {
        const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        struct fcrd_bus *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->m = m;
        b->inotify_fd = -1;
        b->wd = -1;
        /* unix:path=/run/dbus/system_bus_socket, or what the tests set. */
        if (addr && !strncmp(addr, "unix:path=", 10)) {
                snprintf(b->socket_path, sizeof(b->socket_path), "%s", addr + 10);
                b->socket_path[strcspn(b->socket_path, ",;")] = '\0';
        } else
                snprintf(b->socket_path, sizeof(b->socket_path), "/run/dbus/system_bus_socket");
        m->bus = b;
        m->on_change = on_change;
        if (try_connect(b) < 0) {
                fcrd_log(LOG_INFO, "no system bus yet (%s); serving it once it appears", b->socket_path);
                watch_for_bus(b);
        }
        *ret = b;
        return 0;
}

void fcrd_bus_free(struct fcrd_bus *b) {
        if (!b)
                return;
        disconnect(b);
        stop_watching(b);
        b->m->bus = NULL;
        b->m->on_change = NULL;
        free(b);
}
