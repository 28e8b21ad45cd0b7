/* What D-Bus asks of the manager: a replay of a device the caller names
 * (probed first, in a child of its own, under the time limit: it may
 * hang), and a cancel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "job.h"
#include "manager.h"

static int refuse(struct fcrd_refusal *why, const char *name, const char *fmt, const char *node) {
        why->name = name;
        snprintf(why->message, sizeof(why->message), fmt, node);
        return -EINVAL;
}

/* A ReplayDevice call while its device is probed. */
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
        if (r == -ECANCELED || m->stopping)
                return refuse(why, "Failed", "fcreplayd is stopping: no replay of %s", node);
        if (r < 0)
                return refuse(why, "NoSuchDevice", "%s cannot be read", node);
        if (!p->ext4 || !p->has_journal)
                return refuse(why, "NotExt4", "%s does not hold an ext4 filesystem with a journal", node);
        d = fcrd_device_add(m, node);
        if (!d)
                return -ENOMEM;
        if (d->job) {
                fcrd_device_probed(m, d, p, false);
                return refuse(why, "Busy", "%s is being replayed already", node);
        }
        fcrd_device_probed(m, d, p, true);
        if (p->mounted)
                return refuse(why, "Mounted", "%s is mounted", node);
        if (!p->needs_recovery && !q->o.force)
                return refuse(why, "NotDirty", "%s does not need recovery (use force to run anyway)", node);
        j = fcrd_job_start(m, d, &q->o);
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
        r = fcrd_probe_start(m->event, node, 0, fcrd_config_child_limit(&m->config), on_replay_probed, q);
        if (r < 0) {
                replay_req_free(q);
                return refuse(why, "Failed", "cannot probe %s", node);
        }
        return 0;
}

int fcrd_manager_cancel(struct fcrd_manager *m, struct fcrd_job *j) {
        return fcrd_job_cancel(j);
}
