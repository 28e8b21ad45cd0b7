/* Error reporting for the engine: functions return a negative errno and,
 * where the caller needs to tell a person why, fill a fcr_diag with one
 * line naming the reason.  The caller logs it once, where it handles it. */
#pragma once
#include <errno.h>

struct fcr_diag {
        int err;                /* the errno of the reason in msg; 0: none */
        char msg[512];
};

/* Record the reason (printf-style) and return err (a negative errno). */
int fcr_fail(struct fcr_diag *d, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Forget a reason that no longer applies (the step it explained was
 * survived), so that a later failure is never told under it. */
void fcr_diag_clear(struct fcr_diag *d);

/* By its errno, a failure the journal's content causes (invalid,
 * corrupt, unsupported).  Whether it is a refusal (exit 2, "nothing
 * written") is for the caller to decide with fcr_engine_wrote(): after
 * the first write, every failure is an operational error. */
static inline int fcr_is_refusal(int err) {
        return err == -EUCLEAN || err == -EBADMSG || err == -EOPNOTSUPP;
}
