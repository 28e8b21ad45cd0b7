#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/sysmacros.h>
#include <fcreplay/util.h>
#include "mounts.h"

#define MOUNTINFO "/proc/self/mountinfo"

int fcrd_mounts_watch(sd_event *e, sd_event_io_handler_t on_change, void *userdata, sd_event_source **ret) {
        sd_event_source *s = NULL;
        int fd = open(MOUNTINFO, O_RDONLY | O_CLOEXEC), r;

        if (fd < 0)
                return -errno;
        /* The kernel flags a change with EPOLLPRI (and EPOLLERR) once per
         * change of the namespace's mount table. */
        r = sd_event_add_io(e, &s, fd, EPOLLPRI, on_change, userdata);
        if (r >= 0)
                r = sd_event_source_set_io_fd_own(s, true);
        if (r < 0) {
                if (!s)
                        close(fd);
                sd_event_source_disable_unref(s);
                return r;
        }
        *ret = s;
        return 0;
}

int fcrd_mounts_read(struct fcrd_mounts *ret) {
        struct fcrd_mounts m = {};
        size_t cap = 0;
        unsigned maj, min;
        char *line = NULL;
        size_t len = 0;
        FILE *f = fopen(MOUNTINFO, "re");

        if (!f)
                return -errno;
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the third field. */
        while (getline(&line, &len, f) > 0) {
                dev_t *slot;

                if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2)
                        continue;
                slot = FCR_PUSH(m.devs, m.n, cap);
                if (!slot) {
                        free(line);
                        fclose(f);
                        fcrd_mounts_done(&m);
                        return -ENOMEM;
                }
                *slot = makedev(maj, min);
        }
        free(line);
        fclose(f);
        *ret = m;
        return 0;
}

bool fcrd_mounts_has(const struct fcrd_mounts *m, dev_t dev) {
        for (size_t i = 0; i < m->n; i++)
                if (m->devs[i] == dev)
                        return true;
        return false;
}

void fcrd_mounts_done(struct fcrd_mounts *m) {
        free(m->devs);
        *m = (struct fcrd_mounts) {};
}
