/* The half of the hold protocol (hold.h) that fcreplay-hold runs for
 * every ext4 uevent: paths of the markers, device keys, reading them.
 * libc only, so that the helper links nothing it does not use: its exec
 * and dynamic linking are paid in udev's handling of each event. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "hold.h"

const char *fcrd_hold_dir(void) {
        const char *env = getenv("FCREPLAYD_RUNTIME_DIR");

        return env && *env ? env : "/run/fcreplayd";
}

int fcrd_hold_marker_path(const char *name, const struct fcrd_hold_key *k, char *buf, size_t len) {
        int n;

        if (!k)
                n = snprintf(buf, len, "%s/%s", fcrd_hold_dir(), name);
        else if (k->diskseq)
                n = snprintf(buf, len, "%s/done/%u:%u:%" PRIu64, fcrd_hold_dir(), major(k->devnum), minor(k->devnum),
                             k->diskseq);
        else
                n = snprintf(buf, len, "%s/done/%u:%u", fcrd_hold_dir(), major(k->devnum), minor(k->devnum));
        return n < 0 || (size_t) n >= len ? -ENAMETOOLONG : 0;
}

static bool marker_exists(const char *name, const struct fcrd_hold_key *k) {
        char path[PATH_MAX];

        return fcrd_hold_marker_path(name, k, path, sizeof(path)) >= 0 && access(path, F_OK) == 0;
}

bool fcrd_hold_auto(void) {
        return marker_exists("auto", NULL);
}

bool fcrd_hold_done(const struct fcrd_hold_key *k) {
        return marker_exists(NULL, k);
}

static int parse_diskseq(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || (*end && *end != '\n'))
                return -EINVAL;
        *ret = v;
        return 0;
}

uint64_t fcrd_hold_sysfs_diskseq(dev_t devnum) {
        static const char *const where[] = { "diskseq", "../diskseq" };
        char path[64], line[32];
        uint64_t seq;

        for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
                FILE *f;
                bool ok;

                snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", major(devnum), minor(devnum), where[i]);
                f = fopen(path, "re");
                if (!f)
                        continue;
                ok = fgets(line, sizeof(line), f) && parse_diskseq(line, &seq) >= 0;
                fclose(f);
                if (ok)
                        return seq;
        }
        return 0;
}

int fcrd_hold_key_from_node(const char *devnode, const char *diskseq, struct fcrd_hold_key *ret) {
        struct fcrd_hold_key k = {};
        struct stat st;

        if (stat(devnode, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        k.devnum = st.st_rdev;
        if (diskseq && *diskseq) {
                if (parse_diskseq(diskseq, &k.diskseq) < 0)
                        return -EINVAL;
        } else
                k.diskseq = fcrd_hold_sysfs_diskseq(k.devnum);
        *ret = k;
        return 0;
}
