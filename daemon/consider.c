/* A block device udev announces (at start, the enumeration's; later,
 * its add and change events): what it holds, whether the configuration
 * wants it, and what to do with it.  udev's word comes first: a device
 * its database says is no ext4, or that the configuration excludes by
 * path, UUID or label, is never read.  The rest is read in the probe's
 * child (prober.h), under the time limit: a device that hangs costs its
 * own limit and never blocks the event loop.
 *
 * Around each decision, for devices that udev holds back from systemd
 * until they are dealt with (hold.h): an incarnation dealt with already
 * (its done marker) is left alone, so that the change event that
 * releases it starts nothing; whatever else is decided releases it,
 * except a replay, which does so when it ends. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "hold.h"
#include "manager.h"
#include "policy.h"

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

static bool is_ext4(const char *fs_type) {
        return fs_type && (!strcmp(fs_type, "ext4") || !strcmp(fs_type, "ext3"));
}

static bool wanted(struct fcrd_manager *m, const char *node, const struct fcrd_probe *p) {
        if (fcrd_config_wants(&m->config, node, p->uuid, p->label))
                return true;
        if (!fcrd_excluded_before(m, node, p->uuid))
                skip(node, p, "excluded by the configuration", LOG_INFO);
        return false;
}

/* Release a held device, unless a replay of it is under way. */
static void release_unless_busy(struct fcrd_manager *m, const char *node) {
        struct fcrd_device *d = fcrd_device_find(m, node);
        struct fcrd_hold_key k = {};

        if (d && (d->job || d->queued))
                return;
        if (fcrd_hold_key_from_node(node, NULL, &k) >= 0)
                fcrd_hold_release(&k, false);
}

static void probe_failed(const char *node, int r, unsigned limit) {
        struct fcrd_probe q = {};
        /* Gone, or a drive with no medium: nothing an admin must see.
         * Anything else (EPERM, EIO, a hang) may hide a dirty filesystem. */
        bool gone = r == -ENOENT || r == -ENXIO || r == -ENODEV || r == -ENOMEDIUM;
        char why[128];

        fcrd_loop_backing(node, q.backing, sizeof(q.backing));
        if (r == -ETIME)
                snprintf(why, sizeof(why), "did not answer its probe within %u s", limit);
        else
                snprintf(why, sizeof(why), "cannot probe it: %s", strerror(-r));
        skip(node, &q, why, gone ? LOG_DEBUG : LOG_WARNING);
}

/* A dirty device that is not replayed on its own: reported, in the
 * journal and on D-Bus (its LastMessage), for an admin to replay. */
static void not_ours(struct fcrd_manager *m, struct fcrd_device *d, const struct fcrd_probe *p, const char *why) {
        snprintf(d->last_message, sizeof(d->last_message), "dirty, not replayed on its own: %s", why);
        skip(d->node, p, d->last_message, LOG_NOTICE);
        fcrd_manager_changed(m, FCRD_DEVICE_CHANGED, d, NULL);
}

/* A wanted ext4: known from now on; queued when dirty and replays are on. */
static void decide(struct fcrd_manager *m, const char *node, const struct fcrd_probe *p) {
        struct fcrd_device *d = fcrd_device_add(m, node);
        char why[448];

        if (!d)
                return;
        if (d->job || d->queued) {
                fcrd_device_probed(m, d, p, false);
                return;         /* never two replays of one device */
        }
        fcrd_device_probed(m, d, p, true);
        if (p->mounted)
                skip(node, p, "mounted", p->needs_recovery ? LOG_NOTICE : LOG_INFO);
        else if (!p->needs_recovery)
                skip(node, p, "clean (no journal recovery pending)", LOG_INFO);
        else if (!m->config.auto_replay) {
                snprintf(why, sizeof(why), "dirty, not replayed because of %s", fcrd_config_no_auto_replay(&m->config));
                skip(node, p, why, LOG_NOTICE);
        } else if (!fcrd_policy_auto(&m->config, node, p, why, sizeof(why)))
                not_ours(m, d, p, why);
        else {
                d->queued = true;
                fcrd_manager_pump(m);
        }
}

static void on_probed(int r, const char *node, const struct fcrd_probe *p, void *userdata) {
        struct fcrd_manager *m = userdata;

        if (r < 0)
                probe_failed(node, r, fcrd_config_child_limit(&m->config));
        else if (!p->ext4)
                skip(node, p, "not ext4", LOG_DEBUG);
        else if (wanted(m, node, p))
                decide(m, node, p);
        release_unless_busy(m, node);
        fcrd_manager_maybe_ready(m);
}

/* udev's word: true when the device is to be read (flags set). */
static bool worth_reading(struct fcrd_manager *m, const struct fcrd_udev_props *u, unsigned *ret_flags) {
        struct fcrd_probe p = {};

        *ret_flags = 0;
        if (!u->known)
                return true;
        if (!is_ext4(u->fs_type)) {
                skip(u->node, NULL, "not ext4", LOG_DEBUG);
                return false;
        }
        snprintf(p.uuid, sizeof(p.uuid), "%s", u->uuid ? u->uuid : "");
        snprintf(p.label, sizeof(p.label), "%s", u->label ? u->label : "");
        fcrd_loop_backing(u->node, p.backing, sizeof(p.backing));
        if (!wanted(m, u->node, &p))
                return false;
        *ret_flags = FCRD_PROBE_EXT4_KNOWN;
        return true;
}

void fcrd_manager_consider(struct fcrd_manager *m, const struct fcrd_udev_props *u) {
        struct fcrd_hold_key k = {};
        unsigned flags;
        int r;

        (void) fcrd_hold_key_from_node(u->node, NULL, &k);
        if (fcrd_hold_done(&k)) {
                skip(u->node, NULL, "dealt with already since it appeared (a replay can still be asked for over "
                     "D-Bus)", LOG_INFO);
                release_unless_busy(m, u->node);
                return;
        }
        if (!worth_reading(m, u, &flags)) {
                release_unless_busy(m, u->node);
                return;
        }
        /* Even with a read of it queued already: that one may answer for
         * what the device held before this event. */
        r = fcrd_prober_submit(m->prober, u->node, flags, fcrd_config_child_limit(&m->config), on_probed, m);
        if (r < 0) {
                probe_failed(u->node, r, 0);
                release_unless_busy(m, u->node);
        }
}
