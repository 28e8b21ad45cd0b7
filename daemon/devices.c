/* The device table: every device fcreplayd has looked at closely (an
 * ext4 the configuration wants, or one a D-Bus caller named). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/util.h>
#include "job.h"
#include "manager.h"

const char *fcrd_state_str(enum fcrd_state s) {
        static const char *const names[] = { "clean", "dirty", "mounted", "replaying", "replayed", "refused", "failed" };

        return names[s];
}

struct fcrd_device *fcrd_device_find(struct fcrd_manager *m, const char *node) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (!strcmp(m->devices[i]->node, node))
                        return m->devices[i];
        return NULL;
}

struct fcrd_device *fcrd_device_add(struct fcrd_manager *m, const char *node) {
        struct fcrd_device *d = fcrd_device_find(m, node), **slot;

        if (d)
                return d;
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

enum fcrd_state fcrd_probed_state(const struct fcrd_probe *p) {
        return p->mounted ? FCRD_MOUNTED : p->needs_recovery ? FCRD_DIRTY : FCRD_CLEAN;
}

void fcrd_device_set_state(struct fcrd_manager *m, struct fcrd_device *d, enum fcrd_state s) {
        if (d->state == s)
                return;
        d->state = s;
        fcrd_manager_changed(m, FCRD_DEVICE_CHANGED, d, NULL);
}

void fcrd_device_probed(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_probe *p, bool set_state) {
        d->devnum = p->devnum;
        d->diskseq = p->diskseq;
        snprintf(d->uuid, sizeof(d->uuid), "%s", p->uuid);
        snprintf(d->label, sizeof(d->label), "%s", p->label);
        /* Allocated, not a PATH_MAX array: most devices are no loop, and
         * the table's memory is the daemon's peak (issue 20: 5 MiB). */
        if (!d->backing || strcmp(d->backing, p->backing)) {
                free(d->backing);
                d->backing = p->backing[0] ? strdup(p->backing) : NULL;
        }
        if (set_state)
                fcrd_device_set_state(m, d, fcrd_probed_state(p));
}

struct fcrd_fields fcrd_device_fields(const struct fcrd_device *d, enum fcrd_result result, long tags,
                                      const char *allocator) {
        return (struct fcrd_fields) { .device = d->node, .result = result, .tags = tags, .allocator = allocator,
                                      .label = d->label, .uuid = d->uuid, .backing = d->backing };
}

bool fcrd_excluded_before(struct fcrd_manager *m, const char *node, const char *uuid) {
        char *key, **slot;

        if (asprintf(&key, "%s %s", node, uuid ? uuid : "") < 0)
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

void fcrd_excluded_forget(struct fcrd_manager *m) {
        for (size_t i = 0; i < m->n_excluded; i++)
                free(m->excluded[i]);
        free(m->excluded);
        m->excluded = NULL;
        m->n_excluded = m->cap_excluded = 0;
}

void fcrd_devices_free(struct fcrd_manager *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                if (m->devices[i]->job)
                        fcrd_job_free(m->devices[i]->job);
                free(m->devices[i]->node);
                free(m->devices[i]->backing);
                free(m->devices[i]);
        }
        free(m->devices);
        m->devices = NULL;
        m->n_devices = m->cap_devices = 0;
}
