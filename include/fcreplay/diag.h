/* Error reporting for the engine: functions return a negative errno and,
 * where the caller needs to tell a person why, fill a fcr_diag with one
 * line naming the reason.  The caller logs it once, where it handles it. */
#pragma once
#include <errno.h>

struct fcr_diag {
        char msg[512];
};

/* Record the reason (printf-style) and return err (a negative errno). */
int fcr_fail(struct fcr_diag *d, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A refusal means: the journal is invalid or unsupported, nothing was
 * written.  Everything else is an operational error. */
static inline int fcr_is_refusal(int err) {
        return err == -EUCLEAN || err == -EBADMSG || err == -EOPNOTSUPP;
}
