/* /org/fcreplay1/device/<node>: one device fcreplayd knows, named after
 * its node (sd_bus_path_encode of "sdb"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objects.h"
#include <fcreplay/util.h>

int fcrd_bus_device_path(const struct fcrd_device *d, char **ret) {
        return fcr_bus_device_path(d->node, ret);
}

int fcrd_bus_device_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                         sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        _cleanup_free_ char *name = NULL;
        char node[PATH_MAX];
        struct fcrd_device *d;

        if (sd_bus_path_decode(path, DEVICE_PREFIX, &name) <= 0)
                return 0;
        snprintf(node, sizeof(node), "/dev/%s", name);
        d = fcrd_device_find(b->m, node);
        if (!d)
                return 0;
        *found = d;
        return 1;
}

int fcrd_bus_device_enum(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;
        char **v = calloc(b->m->n_devices + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < b->m->n_devices; i++)
                fcrd_bus_device_path(b->m->devices[i], &v[i]);
        *nodes = v;
        return 0;
}

static int d_prop(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                  void *userdata, sd_bus_error *error) {
        struct fcrd_device *d = userdata;
        char jp[128] = "/";

        /* Node, UUID, label and message may hold bytes from the disk. */
        if (!strcmp(prop, "Path"))
                return fcrd_bus_append_text(reply, d->node);
        if (!strcmp(prop, "UUID"))
                return fcrd_bus_append_text(reply, d->uuid);
        if (!strcmp(prop, "Label"))
                return fcrd_bus_append_text(reply, d->label);
        if (!strcmp(prop, "LabelBytes"))
                return sd_bus_message_append_array(reply, 'y', d->label, strlen(d->label));
        if (!strcmp(prop, "State"))
                return sd_bus_message_append(reply, "s", fcrd_state_str(d->state));
        if (!strcmp(prop, "LastResult"))
                return sd_bus_message_append(reply, "s", fcrd_result_to_string(d->last_result));
        if (!strcmp(prop, "LastMessage"))
                return fcrd_bus_append_text(reply, d->last_message);
        if (!strcmp(prop, "TagsReplayed"))
                return sd_bus_message_append(reply, "t", (uint64_t) (d->tags_replayed < 0 ? 0 : d->tags_replayed));
        if (!strcmp(prop, "TimeTaken"))
                return sd_bus_message_append(reply, "t", d->usec_taken);
        if (strcmp(prop, "Job"))
                return fcrd_bus_unknown_property(error, iface, prop);
        if (d->job)
                fcrd_bus_job_path(d->job, jp, sizeof(jp));
        return sd_bus_message_append(reply, "o", jp);
}

const sd_bus_vtable fcrd_device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Path", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("UUID", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Label", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LabelBytes", "ay", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastResult", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastMessage", "s", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TagsReplayed", "t", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TimeTaken", "t", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Job", "o", d_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

void fcrd_bus_device_changed(struct fcrd_bus *b, const struct fcrd_device *d) {
        _cleanup_free_ char *path = NULL;

        if (fcrd_bus_device_path(d, &path) >= 0)
                sd_bus_emit_properties_changed(b->bus, path, BUS_NAME ".Device", "State", "LastResult",
                                               "LastMessage", "TagsReplayed", "TimeTaken", "Job", NULL);
}
