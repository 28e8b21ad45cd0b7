/* What the object files of org.fcreplay1 share (bus.h is the daemon's
 * side): the connection's state, the object paths, the vtables and their
 * lookups, and the changes each object announces. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include "bus.h"
#include "job.h"

#include "fcreplay1.h"

#define BUS_NAME FCR_BUS_NAME
#define ROOT_PATH FCR_BUS_ROOT
#define DEVICE_PREFIX FCR_BUS_DEVICE_PREFIX
#define JOB_PREFIX FCR_BUS_JOB_PREFIX
#define BUS_ERROR(x) FCR_BUS_ERROR(x)

struct fcrd_bus {
        struct fcrd_manager *m;
        sd_bus *bus;
        sd_bus_slot *slots[8];          /* [7]: the pending RequestName */
        sd_event_source *watch;
        int inotify_fd;
        int wd;                         /* the directory watched now */
        sd_event_source *retry;         /* timer: connect again */
        uint64_t retry_usec;            /* the next retry's delay */
        bool serving;                   /* the name is ours */
        bool failing;                   /* a failure logged since the last success */
        char socket_path[PATH_MAX];
};

/* caller.c: writing and policy changes are root's only, checked here and
 * not only in the bus policy. */
int fcrd_bus_check_root(sd_bus_message *msg, sd_bus_error *error);
/* org.fcreplay1.Error.<name> (a refusal's name) with message. */
int fcrd_bus_error(sd_bus_error *error, const char *name, const char *message);
/* A property getter asked for a name its vtable does not have. */
int fcrd_bus_unknown_property(sd_bus_error *error, const char *iface, const char *prop);

/* text.c: s, which may come from the disk, appended as an 's' in valid
 * UTF-8 (escape.h); 0 or a negative errno. */
int fcrd_bus_append_text(sd_bus_message *m, const char *s);

/* manager_object.c: /org/fcreplay1, org.fcreplay1.Manager. */
extern const sd_bus_vtable fcrd_manager_vtable[];
void fcrd_bus_manager_changed(struct fcrd_bus *b);

/* device_object.c: /org/fcreplay1/device/<node>, org.fcreplay1.Device. */
extern const sd_bus_vtable fcrd_device_vtable[];
int fcrd_bus_device_path(const struct fcrd_device *d, char **ret);
int fcrd_bus_device_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                         sd_bus_error *error);
int fcrd_bus_device_enum(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
void fcrd_bus_device_changed(struct fcrd_bus *b, const struct fcrd_device *d);

/* job_object.c: /org/fcreplay1/job/<id>, org.fcreplay1.Job. */
extern const sd_bus_vtable fcrd_job_vtable[];
int fcrd_bus_job_path(const struct fcrd_job *j, char *buf, size_t len);
int fcrd_bus_job_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                      sd_bus_error *error);
int fcrd_bus_job_enum(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
/* Progress, or (done) the end with the Completed signal. */
void fcrd_bus_job_changed(struct fcrd_bus *b, const struct fcrd_job *j, bool done);
