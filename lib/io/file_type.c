/* What a device or image path is, looked at without blocking. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcreplay/diag.h>
#include <fcreplay/engine.h>

static const char *type_name(mode_t m) {
        return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISDIR(m) ? "a directory"
                : S_ISSOCK(m) ? "a socket" : "of an unknown type";
}

int fcr_check_file_type(const char *path, struct fcr_diag *d) {
        struct stat st;
        int fd, r = 0;

        /* O_NONBLOCK: a FIFO without a writer, a tty or a modem line
         * would block open() itself. */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return fcr_fail(d, -errno, "cannot open %s: %s", path, strerror(errno));
        if (fstat(fd, &st) < 0)
                r = fcr_fail(d, -errno, "cannot open %s: %s", path, strerror(errno));
        else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
                r = fcr_fail(d, -EMEDIUMTYPE, "%s is %s, not a block device or a regular file", path,
                             type_name(st.st_mode));
        close(fd);
        return r;
}
