/* fcreplay.mode= and fcreplay.allocator= on the kernel command line, in
 * the spirit of fsck.mode=. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon_config.h"

int fcrd_cmdline_read(struct fcrd_cmdline *ret, struct fcr_diag *d) {
        const char *path = getenv("FCREPLAYD_CMDLINE");
        struct fcrd_cmdline c = { .mode = -1, .path = path };
        char line[4096], *save = NULL;
        FILE *f;

        if (!path || !*path)
                path = "/proc/cmdline";
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? (*ret = c, 0) : fcr_fail(d, -errno, "cannot read %s: %s", path, strerror(errno));
        if (!fgets(line, sizeof(line), f))
                line[0] = '\0';
        fclose(f);
        for (char *w = strtok_r(line, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
                if (strncmp(w, "fcreplay.mode=", 14) == 0) {
                        if (strcmp(w + 14, "auto") == 0)
                                c.mode = 1;
                        else if (strcmp(w + 14, "skip") == 0)
                                c.mode = 0;
                        else {
                                free(c.allocator);
                                return fcr_fail(d, -EINVAL, "%s: fcreplay.mode must be auto or skip, not '%s'",
                                                path, w + 14);
                        }
                } else if (strncmp(w, "fcreplay.allocator=", 19) == 0 && w[19]) {
                        free(c.allocator);
                        c.allocator = strdup(w + 19);
                        if (!c.allocator)
                                return -ENOMEM;
                }
        }
        c.path = path;
        *ret = c;
        return 0;
}
