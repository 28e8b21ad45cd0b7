#include <errno.h>
#include <string.h>
#include <fcreplay/exit_codes.h>
#include "result.h"

static const char *const names[_FCRD_RESULT_MAX] = {
        [FCRD_RESULT_NONE] = "",
        [FCRD_RESULT_REPLAYED] = "replayed",
        [FCRD_RESULT_NOTHING_TO_DO] = "nothing-to-do",
        [FCRD_RESULT_DRY_RUN] = "dry-run",
        [FCRD_RESULT_REFUSED] = "refused",
        [FCRD_RESULT_FAILED] = "failed",
        [FCRD_RESULT_TIMEOUT] = "timeout",
        [FCRD_RESULT_CANCELLED] = "cancelled",
        [FCRD_RESULT_STOPPED] = "stopped",
        [FCRD_RESULT_SKIPPED] = "skipped",
        [FCRD_RESULT_BUSY] = "busy",
        [FCRD_RESULT_CHANGED] = "changed",
        [FCRD_RESULT_USAGE] = "usage",
};

const char *fcrd_result_to_string(enum fcrd_result r) {
        return r >= 0 && r < _FCRD_RESULT_MAX ? names[r] : "";
}

int fcrd_result_from_string(const char *s, enum fcrd_result *ret) {
        for (enum fcrd_result r = FCRD_RESULT_REPLAYED; r < _FCRD_RESULT_MAX; r++)
                if (!strcmp(s, names[r])) {
                        *ret = r;
                        return 0;
                }
        return -EINVAL;
}

bool fcrd_result_is_success(enum fcrd_result r) {
        return r == FCRD_RESULT_REPLAYED || r == FCRD_RESULT_NOTHING_TO_DO || r == FCRD_RESULT_DRY_RUN;
}

bool fcrd_result_is_reported(uint64_t r) {
        return r == FCRD_RESULT_REPLAYED || r == FCRD_RESULT_NOTHING_TO_DO || r == FCRD_RESULT_DRY_RUN ||
               r == FCRD_RESULT_REFUSED || r == FCRD_RESULT_BUSY || r == FCRD_RESULT_CHANGED ||
               r == FCRD_RESULT_FAILED;
}

enum fcrd_result fcrd_result_from_exit_code(int code) {
        return code == FCR_EXIT_CLEAN ? FCRD_RESULT_NOTHING_TO_DO : code == FCR_EXIT_REFUSED ? FCRD_RESULT_REFUSED
                : code == FCR_EXIT_USAGE ? FCRD_RESULT_USAGE : FCRD_RESULT_FAILED;
}

int fcrd_result_exit_code(enum fcrd_result r) {
        return fcrd_result_is_success(r) ? FCR_EXIT_CLEAN : r == FCRD_RESULT_REFUSED ? FCR_EXIT_REFUSED
                : r == FCRD_RESULT_USAGE ? FCR_EXIT_USAGE : FCR_EXIT_FAILED;
}
