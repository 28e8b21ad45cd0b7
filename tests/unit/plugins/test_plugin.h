/* Helpers for the loader's test plugins: init and fini append a line to
 * the file named by FCR_TEST_PLUGIN_LOG, so a test can see when they ran. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcreplay/plugin.h>

static inline void test_plugin_log(const char *what) {
        const char *path = getenv("FCR_TEST_PLUGIN_LOG");
        FILE *f;

        if (!path || !*path)
                return;
        f = fopen(path, "a");
        if (!f)
                return;
        fprintf(f, "%s\n", what);
        fclose(f);
}

static inline int test_validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        return len == 4 ? 0 : -EINVAL;
}

static inline int test_replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return 0;
}

static inline int test_alloc(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret) {
        *ret = req->goal + 1;
        return 0;
}
