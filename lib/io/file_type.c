/* What a device or image path is, looked at without opening it. */
#include <string.h>
#include <sys/stat.h>
#include <fcreplay/diag.h>
#include <fcreplay/engine.h>
#include "file_type.h"

static const char *type_name(mode_t m) {
        return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISDIR(m) ? "a directory"
                : S_ISSOCK(m) ? "a socket" : "of an unknown type";
}

int fcr_check_mode(const char *path, mode_t mode, struct fcr_diag *d) {
        if (!S_ISBLK(mode) && !S_ISREG(mode))
                return fcr_fail(d, -EMEDIUMTYPE, "%s is %s, not a block device or a regular file", path,
                                type_name(mode));
        return 0;
}

int fcr_check_file_type(const char *path, struct fcr_diag *d) {
        struct stat st;

        /* stat(), not open(): a FIFO without a writer would block open(),
         * and opening a character device may act (a watchdog arms). */
        if (stat(path, &st) < 0)
                return fcr_fail(d, -errno, "cannot open %s: %s", path, strerror(errno));
        return fcr_check_mode(path, st.st_mode, d);
}
