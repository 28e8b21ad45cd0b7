#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libmount/libmount.h>
#include <fcreplay/util.h>
#include "boot_mounts.h"
#include "discover.h"

/* Where systemd finds units, generators' output included (fstab's units
 * are in /run/systemd/generator). */
#define UNIT_PATH "/etc/systemd/system:/run/systemd/system:/run/systemd/generator.early:" \
                  "/run/systemd/generator:/run/systemd/generator.late:/usr/local/lib/systemd/system:" \
                  "/usr/lib/systemd/system:/lib/systemd/system"

static bool same(const char *want, const char *have, bool nocase) {
        return want && have && *have && (nocase ? !strcasecmp(want, have) : !strcmp(want, have));
}

/* TAG=value, or a /dev/disk/by-TAG/ name (udev's \xNN escapes decoded). */
static bool tag_matches(const struct fcrd_ident *id, const char *tag, size_t len, const char *value) {
        if (len == 4 && !strncasecmp(tag, "uuid", len))
                return same(value, id->uuid, true);
        if (len == 5 && !strncasecmp(tag, "label", len))
                return same(value, id->label, false);
        if (len == 8 && !strncasecmp(tag, "partuuid", len))
                return same(value, id->partuuid, true);
        if (len == 9 && !strncasecmp(tag, "partlabel", len))
                return same(value, id->partlabel, false);
        return false;
}

static bool spec_matches(const struct fcrd_ident *id, const char *spec) {
        const char *eq = strchr(spec, '='), *by = "/dev/disk/by-";
        char value[256];
        struct stat st;

        if (spec[0] != '/')
                return eq && tag_matches(id, spec, eq - spec, eq + 1);
        if (!strncmp(spec, by, strlen(by))) {
                const char *tag = spec + strlen(by), *slash = strchr(tag, '/');

                if (slash && fcrd_udev_unescape(slash + 1, value, sizeof(value)) >= 0 &&
                    tag_matches(id, tag, slash - tag, value))
                        return true;
        }
        if (id->node && !strcmp(spec, id->node))
                return true;
        /* Any other name of the node (by-id, by-path, /dev/mapper): the
         * inode only, the device is not opened. */
        return stat(spec, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == id->devnum;
}

static int in_fstab(const struct fcrd_ident *id) {
        const char *path = getenv("FCREPLAYD_FSTAB");
        struct libmnt_table *tb = mnt_new_table();
        struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs;
        int r = tb && it ? 0 : -ENOMEM;

        if (!path || !*path)
                path = mnt_get_fstab_path();
        if (r >= 0 && access(path, F_OK) == 0)
                r = mnt_table_parse_fstab(tb, path);
        while (r >= 0 && mnt_table_next_fs(tb, it, &fs) == 0) {
                const char *src = mnt_fs_get_source(fs);

                if (src && !mnt_fs_is_swaparea(fs) && !mnt_fs_is_netfs(fs) && !mnt_fs_is_pseudofs(fs) &&
                    spec_matches(id, src))
                        r = 1;
        }
        mnt_free_iter(it);
        mnt_unref_table(tb);
        return r > 0 ? 1 : r < 0 ? r : 0;
}

/* The What= of a .mount file's [Mount] section (the last one counts). */
static bool unit_names(const struct fcrd_ident *id, const char *path) {
        FILE *f = fopen(path, "re");
        char line[1024], what[1024] = "";
        bool in_mount = false;

        if (!f)
                return false;
        while (fgets(line, sizeof(line), f)) {
                char *s = line + strspn(line, " \t");

                s[strcspn(s, "\r\n")] = '\0';
                if (*s == '[')
                        in_mount = !strcmp(s, "[Mount]");
                else if (in_mount && !strncmp(s, "What=", 5))
                        snprintf(what, sizeof(what), "%s", s + 5 + strspn(s + 5, " \t"));
        }
        fclose(f);
        return *what && spec_matches(id, what);
}

static bool in_unit_dir(const struct fcrd_ident *id, const char *dir, char *where, size_t where_len) {
        DIR *d = opendir(dir);
        struct dirent *de;
        bool found = false;

        while (d && !found && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                char path[4096];

                if (n <= 6 || strcmp(de->d_name + n - 6, ".mount"))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                found = unit_names(id, path);
                if (found)
                        snprintf(where, where_len, "%s", path);
        }
        if (d)
                closedir(d);
        return found;
}

int fcrd_boot_mounts_find(const struct fcrd_ident *id, char *where, size_t where_len) {
        const char *env = getenv("FCREPLAYD_UNIT_PATH");
        _cleanup_free_ char *dirs = strdup(env ? env : UNIT_PATH);
        char *save = NULL;
        int r = in_fstab(id);

        if (r > 0) {
                snprintf(where, where_len, "fstab");
                return 1;
        }
        if (!dirs)
                return -ENOMEM;
        for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
                if (in_unit_dir(id, dir, where, where_len))
                        return 1;
        return r;
}
