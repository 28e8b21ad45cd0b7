#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <systemd/sd-device.h>
#include "hold.h"
#include "log.h"
#include <fcreplay/util.h>

bool fcrd_hold_rule_installed(void) {
        /* udev's order: a file in an earlier directory hides the others. */
        static const char *const dirs[] = {
                "/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
                "/usr/lib/udev/rules.d", "/lib/udev/rules.d",
        };

        const char *env = getenv("FCREPLAYD_UDEV_RULE");
        struct stat st;

        if (env && *env)        /* tests: a rule of their own name */
                return stat(env, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "%s/64-fcreplayd.rules", dirs[i]);
                if (stat(path, &st) == 0)
                        return S_ISREG(st.st_mode) && st.st_size > 0;
        }
        return false;
}

/* Drop the done markers: all of them, or those of one device number
 * (MAJ:MIN and MAJ:MIN:*). */
static void drop_done(const dev_t *devnum) {
        char path[PATH_MAX], prefix[32];
        struct dirent *de;
        size_t plen = 0;
        DIR *d;

        if (fcrd_hold_marker_path("done", NULL, path, sizeof(path)) < 0 || !(d = opendir(path)))
                return;
        if (devnum)
                plen = snprintf(prefix, sizeof(prefix), "%u:%u", major(*devnum), minor(*devnum));
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (devnum && (strncmp(de->d_name, prefix, plen) || (de->d_name[plen] && de->d_name[plen] != ':')))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        fcrd_log(LOG_WARNING, "cannot remove %s/%s: %m", path, de->d_name);
        }
        closedir(d);
}

static int create_marker(const char *name, const struct fcrd_hold_key *k) {
        char path[PATH_MAX];
        int fd, r;

        r = fcrd_hold_marker_path(name, k, path, sizeof(path));
        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

static void remove_auto(void) {
        char path[PATH_MAX];

        if (fcrd_hold_marker_path("auto", NULL, path, sizeof(path)) >= 0 && unlink(path) < 0 && errno != ENOENT)
                fcrd_log(LOG_ERR, "cannot remove %s: %m; udev may hold new ext4 devices back from systemd "
                         "until it is removed", path);
}

void fcrd_hold_configure(const struct fcrd_config *c) {
        int r;

        if (!c->auto_replay || c->dry_run) {
                remove_auto();
                return;
        }
        r = create_marker("auto", NULL);
        if (r < 0)
                fcrd_log(LOG_WARNING, "cannot create %s/auto: %s; devices that appear later may be mounted "
                         "before their replay", fcrd_hold_dir(), strerror(-r));
}

void fcrd_hold_start(const struct fcrd_config *c) {
        char path[PATH_MAX];

        /* Under systemd RuntimeDirectory= made DIR; by hand, make it. */
        if (mkdir(fcrd_hold_dir(), 0755) < 0 && errno != EEXIST)
                fcrd_log(LOG_WARNING, "cannot create %s: %m", fcrd_hold_dir());
        if (fcrd_hold_marker_path("done", NULL, path, sizeof(path)) >= 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
                fcrd_log(LOG_WARNING, "cannot create %s: %m", path);
        drop_done(NULL);
        fcrd_hold_configure(c);
}

static bool is_held(sd_device *dev) {
        const char *v;

        return sd_device_get_property_value(dev, "FCREPLAY_HELD", &v) >= 0 && !strcmp(v, "1");
}

/* A "change" uevent on dev: what says why (a release, or another look). */
static void trigger(sd_device *dev, const char *node, bool release) {
        const char *name = node;
        int r = sd_device_trigger(dev, SD_DEVICE_CHANGE);

        if (!name && sd_device_get_devname(dev, &name) < 0)
                name = "a held device";
        if (r < 0)
                fcrd_log(LOG_ERR, "%s: cannot %s (a change uevent): %s; %s", name,
                         release ? "release it to systemd" : "have it looked at again", strerror(-r),
                         release ? "it waits for its next uevent" : "it is, at its next uevent");
        else
                fcrd_log(LOG_INFO, "%s: %s (a change uevent)", name,
                         release ? "released to systemd" : "announced again, to be looked at as new");
}

void fcrd_hold_announce(const char *node) {
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        int r = sd_device_new_from_devname(&dev, node);

        if (r < 0)
                fcrd_log(LOG_ERR, "%s: cannot have it looked at again: %s; it is, at its next uevent", node,
                         strerror(-r));
        else
                trigger(dev, node, false);
}

void fcrd_hold_release(const struct fcrd_hold_key *k, bool mark) {
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        bool held;
        int r;

        if (!k->devnum)
                return;         /* no key: the device was gone already */
        /* Only this incarnation: one that replaced it has its own event. */
        held = fcrd_hold_sysfs_diskseq(k->devnum) == k->diskseq &&
               sd_device_new_from_devnum(&dev, 'b', k->devnum) >= 0 && is_held(dev);
        if (mark || held) {
                /* Before the trigger: the helper must find it, or it holds
                 * the device again. */
                r = create_marker(NULL, k);
                if (r < 0) {
                        /* Without markers, stop holding rather than hold
                         * devices again and again. */
                        fcrd_log(LOG_ERR, "cannot write the done marker of %u:%u in %s/done: %s; no longer "
                                 "holding devices back from systemd", major(k->devnum), minor(k->devnum),
                                 fcrd_hold_dir(), strerror(-r));
                        remove_auto();
                }
        }
        if (held)
                trigger(dev, NULL, true);
}

void fcrd_hold_forget(dev_t devnum) {
        drop_done(&devnum);
}

void fcrd_hold_stop(void) {
        remove_auto();
}

void fcrd_hold_release_all(void) {
        _cleanup_(sd_device_enumerator_unrefp) sd_device_enumerator *e = NULL;
        int r;

        r = sd_device_enumerator_new(&e);
        if (r >= 0)
                r = sd_device_enumerator_add_match_subsystem(e, "block", true);
        if (r >= 0)
                r = sd_device_enumerator_add_match_property(e, "FCREPLAY_HELD", "1");
        if (r >= 0)
                for (sd_device *dev = sd_device_enumerator_get_device_first(e); dev;
                     dev = sd_device_enumerator_get_device_next(e))
                        trigger(dev, NULL, true);
        else
                fcrd_log(LOG_ERR, "cannot look for held devices: %s; 'udevadm trigger --action=change "
                         "--property-match=FCREPLAY_HELD=1' releases them", strerror(-r));
}
