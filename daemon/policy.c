#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-device.h>
#include <fcreplay/util.h>
#include "boot_mounts.h"
#include "discover.h"
#include "log.h"
#include "policy.h"

/* What udev says of a device, as far as the policy goes. */
struct udev_word {
        char removable[96];             /* why it is removable media, or "" */
        char partuuid[64], partlabel[256];
};

static void take(struct udev_word *w, const char *key, const char *value) {
        if (!strcmp(key, "ID_BUS") && !strcmp(value, "usb"))
                snprintf(w->removable, sizeof(w->removable), "on USB (ID_BUS=usb)");
        else if ((!strncmp(key, "ID_DRIVE_FLASH", 14) || !strncmp(key, "ID_DRIVE_MEDIA_FLASH", 20)) &&
                 !strcmp(value, "1"))
                snprintf(w->removable, sizeof(w->removable), "in a flash card reader (%s=1)", key);
        else if (!strcmp(key, "removable") && !strcmp(value, "1"))
                snprintf(w->removable, sizeof(w->removable), "removable media (sysfs removable=1)");
        else if (!strcmp(key, "ID_PART_ENTRY_UUID"))
                snprintf(w->partuuid, sizeof(w->partuuid), "%s", value);
        else if (!strcmp(key, "ID_PART_ENTRY_NAME") &&
                 fcrd_udev_unescape(value, w->partlabel, sizeof(w->partlabel)) < 0)
                w->partlabel[0] = '\0';
}

/* The disk's sysfs attribute: a partition's is its disk's. */
static void take_removable(struct udev_word *w, sd_device *dev) {
        sd_device *disk = dev;
        const char *v;

        (void) sd_device_get_parent_with_subsystem_devtype(dev, "block", "disk", &disk);
        if (sd_device_get_sysattr_value(dev, "removable", &v) >= 0 ||
            sd_device_get_sysattr_value(disk, "removable", &v) >= 0)
                take(w, "removable", strtoul(v, NULL, 10) ? "1" : "0");
}

/* The tests' additions: "NODE KEY=VALUE" lines. */
static void take_test_file(struct udev_word *w, const char *node) {
        const char *path = getenv("FCREPLAYD_TEST_UDEV_PROPERTIES");
        char line[512], *key, *eq;
        size_t n = strlen(node);
        FILE *f;

        if (!path || !*path || !(f = fopen(path, "re")))
                return;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                key = line + n + 1;
                if (strncmp(line, node, n) || line[n] != ' ' || !(eq = strchr(key, '=')))
                        continue;
                *eq = '\0';
                take(w, key, eq + 1);
        }
        fclose(f);
}

static void read_udev(dev_t devnum, const char *node, struct udev_word *w) {
        _cleanup_(sd_device_unrefp) sd_device *dev = NULL;
        const char *value;

        *w = (struct udev_word) {};
        if (devnum && sd_device_new_from_devnum(&dev, 'b', devnum) >= 0) {
                for (const char *key = sd_device_get_property_first(dev, &value); key;
                     key = sd_device_get_property_next(dev, &value))
                        take(w, key, value);
                take_removable(w, dev);
        }
        take_test_file(w, node);
}

bool fcrd_policy_auto(const struct fcrd_config *c, const char *node, const struct fcrd_probe *p, char *why,
                      size_t why_len) {
        struct udev_word w;
        struct fcrd_ident id = { .node = node, .devnum = p->devnum, .uuid = p->uuid, .label = p->label };
        char where[4096];
        int r;

        read_udev(p->devnum, node, &w);
        if (*w.removable) {
                if (fcrd_config_includes(c, node, p->uuid, p->label, true)) {
                        snprintf(why, why_len, "%s, named by include=", w.removable);
                        return true;
                }
                snprintf(why, why_len, "%s: replayed on its own only when include= names it exactly; replay it "
                         "with 'fcreplayctl replay %s'", w.removable, node);
                return false;
        }
        if (fcrd_config_includes(c, node, p->uuid, p->label, false)) {
                snprintf(why, why_len, "named by include=");
                return true;
        }
        id.partuuid = w.partuuid;
        id.partlabel = w.partlabel;
        r = fcrd_boot_mounts_find(&id, where, sizeof(where));
        if (r > 0) {
                snprintf(why, why_len, "mounted by this boot (%s)", where);
                return true;
        }
        if (r < 0)
                fcrd_log(LOG_WARNING, "cannot read the fstab: %s; only the mount units were looked at", strerror(-r));
        snprintf(why, why_len, "not mounted by this boot (no fstab line or mount unit names it, nor include=); "
                 "replay it with 'fcreplayctl replay %s'", node);
        return false;
}
