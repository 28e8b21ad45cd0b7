#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <libudev.h>
#include <fcreplay/util.h>
#include "discover.h"
#include "hold.h"
#include "log.h"

struct fcrd_discover {
        struct fcrd_manager *m;
        struct udev *udev;
        struct udev_monitor *mon;
        sd_event_source *io;
        struct udev_enumerate *pending; /* the initial pass, one device per */
        struct udev_list_entry *next;   /* turn of the event loop */
        sd_event_source *step;
        bool udevd;                     /* its events, not the kernel's */
};

/* Whole disks and partitions; not their holders' internals. */
static bool interesting(struct udev_device *dev) {
        const char *type = udev_device_get_devtype(dev);

        return udev_device_get_devnode(dev) && type && (!strcmp(type, "disk") || !strcmp(type, "partition"));
}

int fcrd_udev_unescape(const char *enc, char *dst, size_t len) {
        size_t n = 0;

        for (const char *p = enc; *p; n++) {
                unsigned v;

                if (n + 1 >= len)
                        return -ENAMETOOLONG;
                if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char) p[2]) && isxdigit((unsigned char) p[3]) &&
                    sscanf(p + 2, "%2x", &v) == 1 && v) {
                        dst[n] = (char) v;
                        p += 4;
                } else
                        dst[n] = *p++;
        }
        dst[n] = '\0';
        return 0;
}

/* Hand a device to the manager with what udev's database says of it. */
static void consider(struct fcrd_discover *d, struct udev_device *dev) {
        struct fcrd_udev_props u = { .node = udev_device_get_devnode(dev) };
        const char *enc = udev_device_get_property_value(dev, "ID_FS_LABEL_ENC");
        char label[256];

        /* Initialized: udevd has processed it, its properties are in. */
        u.known = udev_device_get_is_initialized(dev) > 0;
        if (u.known) {
                u.fs_type = udev_device_get_property_value(dev, "ID_FS_TYPE");
                u.uuid = udev_device_get_property_value(dev, "ID_FS_UUID");
                u.label = udev_device_get_property_value(dev, "ID_FS_LABEL");
                /* The exact label: ID_FS_LABEL has unsafe bytes replaced. */
                if (enc && fcrd_udev_unescape(enc, label, sizeof(label)) >= 0)
                        u.label = label;
        }
        fcrd_manager_consider(d->m, &u);
}

static int on_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct fcrd_discover *d = userdata;
        struct udev_device *dev = udev_monitor_receive_device(d->mon);
        const char *action;

        if (!dev)
                return 0;
        action = udev_device_get_action(dev);
        if (action && (!strcmp(action, "add") || !strcmp(action, "change")) && interesting(dev))
                consider(d, dev);
        else if (action && !strcmp(action, "remove"))
                fcrd_hold_forget(udev_device_get_devnum(dev));
        udev_device_unref(dev);
        return 0;
}

static void enumeration_done(struct fcrd_discover *d) {
        d->step = sd_event_source_disable_unref(d->step);
        d->pending = udev_enumerate_unref(d->pending);
        d->next = NULL;
        fcrd_manager_discovery_done(d->m);
}

/* One device per turn, below every other source: a replay that ends is
 * reaped and the next queued one starts while later devices are still
 * looked at. */
static int on_step(sd_event_source *s, void *userdata) {
        struct fcrd_discover *d = userdata;
        struct udev_device *dev;

        if (!d->next) {
                enumeration_done(d);
                return 0;
        }
        dev = udev_device_new_from_syspath(d->udev, udev_list_entry_get_name(d->next));
        d->next = udev_list_entry_get_next(d->next);
        /* Also a device udevd has not processed yet (at boot, before its
         * coldplug reaches it): waiting for its event instead made a boot
         * with dirty disks 1.5-2.3 s later in the guest
         * (docs/benchmarks.md); its event, later, finds it dealt with. */
        if (dev && interesting(dev))
                consider(d, dev);
        udev_device_unref(dev);
        return 0;
}

/* The tag 64-fcreplayd.rules gives the ext3 and ext4 devices udevd has
 * seen: with udevd, only they are enumerated (reading every block
 * device's database entry and sysfs attributes was most of a clean
 * start's time), and those udevd has not processed yet (add_unprocessed()).
 * Without the rule (tags left by an earlier one mean nothing), or no
 * device tagged (the rule not run since it was installed, no ext device
 * at all, or at boot udevd's coldplug has not reached one yet): every
 * block device (on_step()). */
#define FCRD_UDEV_TAG "fcreplayd"

static bool tagged_devices_exist(void) {
        return access("/run/udev/tags/" FCRD_UDEV_TAG, F_OK) == 0;
}

/* The block devices udevd has not processed yet (no database entry, so
 * no tag either: at boot, those its coldplug has not reached), added to
 * the tagged ones: each is read now rather than when its event comes.
 * One read of sysfs' dev and one access() each, against libudev's dozen
 * calls per device. */
static int add_unprocessed(struct udev_enumerate *e) {
        DIR *dir = opendir("/sys/class/block");
        struct dirent *de;
        int r = 0;

        if (!dir)
                return -errno;
        while (r >= 0 && (de = readdir(dir))) {
                char devnum[32], path[PATH_MAX];
                ssize_t n;
                int fd;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/dev", de->d_name);
                fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC);
                n = fd < 0 ? -1 : read(fd, devnum, sizeof(devnum) - 1);
                if (fd >= 0)
                        close(fd);
                if (n <= 0)
                        continue;
                devnum[n] = '\0';
                devnum[strcspn(devnum, "\n")] = '\0';
                /* udev's database: what udev_device_get_is_initialized() reads */
                snprintf(path, sizeof(path), "/run/udev/data/b%s", devnum);
                if (access(path, F_OK) == 0)
                        continue;
                snprintf(path, sizeof(path), "/sys/class/block/%s", de->d_name);
                _cleanup_free_ char *sys = realpath(path, NULL);

                if (sys)
                        r = udev_enumerate_add_syspath(e, sys);
                if (r == -ENODEV) /* gone since */
                        r = 0;
        }
        closedir(dir);
        return r;
}

static int enumerate(struct fcrd_discover *d, bool by_tag) {
        int r;

        d->pending = udev_enumerate_new(d->udev);
        if (!d->pending)
                return -ENOMEM;
        r = udev_enumerate_add_match_subsystem(d->pending, "block");
        if (r >= 0 && by_tag)
                r = udev_enumerate_add_match_tag(d->pending, FCRD_UDEV_TAG);
        if (r >= 0)
                r = udev_enumerate_scan_devices(d->pending);
        if (r >= 0 && by_tag)
                r = add_unprocessed(d->pending);
        if (r >= 0)
                r = sd_event_add_defer(d->m->event, &d->step, on_step, d);
        if (r >= 0)
                r = sd_event_source_set_priority(d->step, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0) /* a defer source is one-shot unless told */
                r = sd_event_source_set_enabled(d->step, SD_EVENT_ON);
        if (r < 0)
                return r;
        d->next = udev_enumerate_get_list_entry(d->pending);
        return 0;
}

int fcrd_discover_start(struct fcrd_manager *m, struct fcrd_discover **ret) {
        struct fcrd_discover *d = calloc(1, sizeof(*d));
        const char *source;
        bool by_tag = false, rule;
        int r;

        if (!d)
                return -ENOMEM;
        d->m = m;
        d->udev = udev_new();
        if (!d->udev) {
                free(d);
                return -ENOMEM;
        }
        /* Subscribe before enumerating, so nothing falls in between. */
        d->udevd = access("/run/udev/control", F_OK) == 0;
        source = d->udevd ? "udev" : "kernel";
        /* Without the rule only READY=1 keeps a dirty device from its
         * mount: one that appears later is not held back. */
        rule = fcrd_hold_rule_installed();
        if (d->udevd && !rule && m->config.auto_replay && !m->config.dry_run)
                fcrd_log(LOG_WARNING, "udev does not run 64-fcreplayd.rules (not installed, or masked): a dirty "
                         "device that appears after READY=1 may be mounted before its replay");
        if (!d->udevd)
                fcrd_log(LOG_NOTICE, "udevd is not running (no /run/udev/control): watching kernel uevents "
                         "and enumerating through sysfs");
        else if (!rule)
                fcrd_log(LOG_INFO, "looking at every block device: udev's tags mean nothing without "
                         "64-fcreplayd.rules");
        else if (!(by_tag = tagged_devices_exist()))
                fcrd_log(LOG_INFO, "no block device carries udev's tag " FCRD_UDEV_TAG " (64-fcreplayd.rules): "
                         "looking at every block device");
        d->mon = udev_monitor_new_from_netlink(d->udev, source);
        r = d->mon ? udev_monitor_filter_add_match_subsystem_devtype(d->mon, "block", NULL) : -ENOMEM;
        if (r >= 0)
                r = udev_monitor_enable_receiving(d->mon);
        if (r >= 0)
                r = sd_event_add_io(m->event, &d->io, udev_monitor_get_fd(d->mon), EPOLLIN, on_uevent, d);
        if (r >= 0)
                r = enumerate(d, by_tag);
        if (r < 0) {
                fcrd_discover_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

void fcrd_discover_free(struct fcrd_discover *d) {
        if (!d)
                return;
        sd_event_source_disable_unref(d->io);
        sd_event_source_disable_unref(d->step);
        udev_enumerate_unref(d->pending);
        udev_monitor_unref(d->mon);
        udev_unref(d->udev);
        free(d);
}
