#include <stdarg.h>
#include <stdio.h>
#include <fcreplay/diag.h>

int fcr_fail(struct fcr_diag *d, int err, const char *fmt, ...) {
        va_list ap;

        if (d) {
                va_start(ap, fmt);
                vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
                va_end(ap);
                d->err = err;
        }
        return err;
}

void fcr_diag_clear(struct fcr_diag *d) {
        if (!d)
                return;
        d->err = 0;
        d->msg[0] = '\0';
}
