/* How a device was dealt with: the worker's report and exit status, the
 * manager's decision, the journal's RESULT=, D-Bus's LastResult and
 * Completed, and fcreplayctl's reading of them.  One enum, one table of
 * names; the worker's line is parsed once. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum fcrd_result {
        FCRD_RESULT_NONE,               /* no replay yet: "" */
        FCRD_RESULT_REPLAYED,
        FCRD_RESULT_NOTHING_TO_DO,
        FCRD_RESULT_DRY_RUN,
        FCRD_RESULT_REFUSED,            /* the journal is invalid; nothing written */
        FCRD_RESULT_FAILED,
        FCRD_RESULT_TIMEOUT,            /* stopped at its time limit, before writing */
        FCRD_RESULT_CANCELLED,          /* over D-Bus, before writing */
        FCRD_RESULT_STOPPED,            /* by fcreplayd's own stop, before writing */
        FCRD_RESULT_SKIPPED,            /* not replayed (logs only) */
        FCRD_RESULT_BUSY,               /* another program held a lock, after retries; nothing written */
        FCRD_RESULT_CHANGED,            /* the device is not the one probed any more; nothing written */
        FCRD_RESULT_USAGE,              /* a bad command line (the tools' JSON only) */
        _FCRD_RESULT_MAX,
};

const char *fcrd_result_to_string(enum fcrd_result r);

/* -EINVAL for a name that is none of the above. */
int fcrd_result_from_string(const char *s, enum fcrd_result *ret);

/* The replay did what was asked: replayed, nothing to do, or a dry run. */
bool fcrd_result_is_success(enum fcrd_result r);

/* What a replay process may report: replayed, nothing-to-do, dry-run,
 * refused, busy, changed or failed (the rest is how the daemon stopped
 * it). */
bool fcrd_result_is_reported(uint64_t r);

/* The result that goes with one of the exit codes (exit_codes.h): a
 * success is "nothing-to-do". */
enum fcrd_result fcrd_result_from_exit_code(int code);

/* FCR_EXIT_CLEAN for a success, FCR_EXIT_REFUSED for a refusal,
 * FCR_EXIT_FAILED for the rest ("changed" included: nothing was written,
 * and the device, as it is now, is a new one to look at). */
int fcrd_result_exit_code(enum fcrd_result r);
