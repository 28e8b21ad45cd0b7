/* Mounts and unmounts change what a known device is: ext4 keeps
 * needs_recovery set while mounted, so a mounted device is "mounted"
 * whatever its superblock says, and one unmounted is read again (in a
 * child of its own: its filesystem may take a while to let go). */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include "log.h"
#include "manager.h"
#include "mounts.h"

static void on_unmounted_probed(int r, const char *node, const struct fcrd_probe *p, void *userdata) {
        struct fcrd_manager *m = userdata;
        struct fcrd_device *d;

        if (r == -ETIME)
                fcrd_log(LOG_WARNING, "%s: unmounted, but its filesystem did not let go of it in time; its state "
                         "is read again at its next change", node);
        if (r < 0 || !p->ext4)
                return;         /* gone or changed: its uevent says so */
        d = fcrd_device_find(m, node);
        if (!d || d->job || d->queued)
                return;
        if (d->state == fcrd_probed_state(p)) {
                fcrd_device_probed(m, d, p, false);
                return;         /* still mounted (or mounted again) */
        }
        fcrd_device_probed(m, d, p, true);
        fcrd_log(LOG_INFO, "%s: unmounted, now %s", d->node, fcrd_state_str(d->state));
}

static void follow(struct fcrd_manager *m, struct fcrd_device *d, bool mounted) {
        if (mounted && d->state != FCRD_MOUNTED) {
                fcrd_log(LOG_INFO, "%s: mounted", d->node);
                fcrd_device_set_state(m, d, FCRD_MOUNTED);
        } else if (!mounted && d->state == FCRD_MOUNTED &&
                   /* The default limit, whatever replays are given: the
                    * filesystem may take a while to let go. */
                   fcrd_probe_start(m->event, d->node, FCRD_PROBE_AFTER_UNMOUNT, FCRD_DEFAULT_TIMEOUT_SEC,
                                    on_unmounted_probed, m) < 0)
                fcrd_log(LOG_WARNING, "%s: unmounted, but cannot probe it again", d->node);
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

                /* A replay holds it exclusively: nothing mounts it meanwhile. */
                if (d->job || d->queued || stat(d->node, &st) < 0 || !S_ISBLK(st.st_mode))
                        continue;
                follow(m, d, fcrd_mounts_has(&mounts, st.st_rdev));
        }
        fcrd_mounts_done(&mounts);
}
