/* Exit codes of fcreplay, fcreplayctl and fcreplayd's replay processes
 * (documented in fcreplay(8) and the README), and the one rule that maps
 * the engine's errors to them.  For the programs built here; not
 * installed (only plugin.h and bytes.h are). */
#pragma once
#include <stdbool.h>
#include <fcreplay/diag.h>

enum {
        FCR_EXIT_CLEAN = 0,     /* clean now: replayed, or nothing to do */
        FCR_EXIT_REFUSED = 2,   /* invalid or unsupported journal; nothing written */
        FCR_EXIT_FAILED = 3,    /* operational error (I/O, busy, permissions, ...) */
        FCR_EXIT_USAGE = 64,    /* bad command line */
};

/* The exit code of a run that ended with r (>= 0, or a negative errno)
 * after writing had begun (written: fcr_engine_wrote()) or not: a refusal
 * (fcr_is_refusal()) is exit 2 only while nothing was written; after the
 * first write every failure is operational. */
static inline int fcr_exit_code(int r, bool written) {
        return r >= 0 ? FCR_EXIT_CLEAN : !written && fcr_is_refusal(r) ? FCR_EXIT_REFUSED : FCR_EXIT_FAILED;
}
