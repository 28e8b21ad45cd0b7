/* /org/fcreplay1: the device list, replays and inspection asked for, and
 * the allocator (the list of allocators comes from the plugin host, so
 * it holds what a replay can load). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <fcreplay/allocators.h>
#include <fcreplay/diag.h>
#include <fcreplay/plugin_set.h>
#include "inspect.h"
#include "log.h"
#include "objects.h"
#include <fcreplay/util.h>

static const char *plugin_dir(struct fcrd_manager *m) {
        return fcr_plugin_dir(m->config.shared.plugin_dir);
}

static void allocators_freep(char ***names) {
        fcr_allocators_free(*names);
}

static int m_list_devices(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(oss)");
        for (size_t i = 0; r >= 0 && i < b->m->n_devices; i++) {
                struct fcrd_device *d = b->m->devices[i];
                _cleanup_free_ char *path = NULL;

                r = fcrd_bus_device_path(d, &path);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'r', "oss");
                if (r >= 0)
                        r = sd_bus_message_append_basic(reply, 'o', path);
                if (r >= 0)
                        r = fcrd_bus_append_text(reply, d->node);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", fcrd_state_str(d->state));
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

/* The allocators replays can use: those of the set the daemon loaded at
 * its first use since start or reload (a plugin installed since is used
 * after a reload). */
static int list_allocators(struct fcrd_bus *b, char ***ret, sd_bus_error *error) {
        struct fcr_diag d = {};
        struct fcr_plugins *p = fcrd_config_plugins(&b->m->config, &d);
        int r = p ? fcr_plugins_alloc_names(p, ret) : -ENOENT;

        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR("Failed"), "cannot list the allocators: %s",
                                         d.msg[0] ? d.msg : strerror(-r));
        return 0;
}

/* Whether a replay may name this allocator: -EINVAL with the error set
 * when it is not installed. */
static int check_allocator(struct fcrd_bus *b, const char *name, sd_bus_error *error) {
        _cleanup_(allocators_freep) char **names = NULL;
        int r = list_allocators(b, &names, error);

        if (r < 0)
                return r;
        for (char **n = names; *n; n++)
                if (!strcmp(*n, name))
                        return 0;
        return sd_bus_error_setf(error, BUS_ERROR("UnknownAllocator"), "no allocator plugin named '%s' in %s/alloc",
                                 name, plugin_dir(b->m));
}

static int read_replay_opts(sd_bus_message *msg, struct fcrd_replay_opts *o, sd_bus_error *error) {
        const char *key;
        int r = sd_bus_message_enter_container(msg, 'a', "{sv}");

        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                r = sd_bus_message_read(msg, "s", &key);
                if (r >= 0 && !strcmp(key, "allocator"))
                        r = sd_bus_message_read(msg, "v", "s", &o->allocator);
                else if (r >= 0 && !strcmp(key, "dry-run"))
                        r = sd_bus_message_read(msg, "v", "b", &o->dry_run);
                else if (r >= 0 && !strcmp(key, "force"))
                        r = sd_bus_message_read(msg, "v", "b", &o->force);
                else if (r >= 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "unknown option '%s' (known: allocator, dry-run, force)", key);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "bad options: %s", strerror(-r));
        return 0;
}

/* The call, answered once the device is probed (userdata: its message). */
static void replay_done(int r, struct fcrd_job *j, const struct fcrd_refusal *why, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        char path[128];

        if (r >= 0) {
                fcrd_bus_job_path(j, path, sizeof(path));
                (void) sd_bus_reply_method_return(msg, "o", path);
                return;
        }
        if (r == -EINVAL)
                fcrd_bus_error(&e, why->name, why->message);
        else
                sd_bus_error_set_errno(&e, r);
        (void) sd_bus_reply_method_error(msg, &e);
}

/* Answered asynchronously: the device the caller names is read (probed)
 * in a child, so that one that hangs never blocks the main loop. */
static int m_replay_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        struct fcrd_replay_opts o = {};
        struct fcrd_refusal why = {};
        const char *dev;
        int r;

        r = sd_bus_message_read(msg, "s", &dev);
        if (r >= 0)
                r = read_replay_opts(msg, &o, error);
        if (r >= 0)
                r = fcrd_bus_check_root(msg, error);
        if (r >= 0 && o.allocator)
                r = check_allocator(b, o.allocator, error);
        if (r < 0)
                return r;
        r = fcrd_manager_replay(b->m, dev, &o, replay_done, sd_bus_message_ref(msg), &why);
        if (r < 0)
                sd_bus_message_unref(msg);      /* replay_done is not called */
        if (r == -EINVAL)
                return fcrd_bus_error(error, why.name, why.message);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        return 1;
}

/* The call, answered when the inspection ends (userdata: its message). */
static void inspect_done(int r, const char *name, const char *json, const char *message, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        if (r >= 0)
                (void) sd_bus_reply_method_return(msg, "s", json);
        else {
                fcrd_bus_error(&e, name, message);
                (void) sd_bus_reply_method_error(msg, &e);
        }
}

/* Root only: the journal holds file names and data of files the caller
 * may not read, so the check comes before the path is even looked at,
 * and a refusal says nothing about it. */
static int m_inspect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = sd_bus_message_ref(msg);
        struct fcrd_bus *b = userdata;
        struct fcrd_refusal why = {};
        const char *dev;
        int r;

        r = sd_bus_message_read(msg, "s", &dev);
        if (r >= 0)
                r = fcrd_bus_check_root(msg, error);
        if (r < 0)
                return r;
        r = fcrd_inspect_start(b->m, dev, inspect_done, call, &why);
        if (r < 0)
                return why.name ? fcrd_bus_error(error, why.name, why.message) : r;
        call = NULL;    /* inspect_done answers it, and drops it */
        return 1;
}

static int m_set_allocator(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        const char *name;
        char *copy;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r >= 0)
                r = fcrd_bus_check_root(msg, error);
        if (r >= 0)
                r = check_allocator(b, name, error);
        if (r < 0)
                return r;
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        free(b->m->config.shared.allocator);
        b->m->config.shared.allocator = copy;
        fcrd_log(LOG_NOTICE, "allocator set to %s over D-Bus", name);
        sd_bus_emit_properties_changed(b->bus, ROOT_PATH, BUS_NAME ".Manager", "Allocator", NULL);
        return sd_bus_reply_method_return(msg, "");
}

static int m_list_allocators(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(allocators_freep) char **names = NULL;
        int r = list_allocators(b, &names, error);

        if (r >= 0)
                r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, names);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int m_prop(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                  void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;

        if (!strcmp(prop, "Allocator"))
                return sd_bus_message_append(reply, "s", fcrd_config_allocator(&b->m->config));
        if (!strcmp(prop, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        if (!strcmp(prop, "State"))
                return sd_bus_message_append(reply, "s", fcrd_manager_state(b->m));
        return fcrd_bus_unknown_property(error, iface, prop);
}

const sd_bus_vtable fcrd_manager_vtable[] = {
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

void fcrd_bus_manager_changed(struct fcrd_bus *b) {
        sd_bus_emit_properties_changed(b->bus, ROOT_PATH, BUS_NAME ".Manager", "State", "Allocator", NULL);
}
