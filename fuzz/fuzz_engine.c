/* Fuzz target: the whole path of `fcreplay inspect` and
 * `fcreplay replay --dry-run` over an in-memory image: open, scan with
 * the tag plugins' validate, plan (tag plugins' replay through the real
 * overlay, orphans), and every printer, text and JSON.
 *
 * Input: records of le64 offset, le32 length, then that many bytes,
 * written into a zeroed image (at most 64 MiB); fuzz/image-to-seed.py
 * turns an image into such records (its nonzero blocks). */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcreplay/bytes.h>
#include "engine.h"
#include "fuzz_journal.h"
#include <fcreplay/report.h>
#include "../tools/fcreplay/print.h"
#include "../tools/fcreplay/print_inspect.h"

#define MAX_IMAGE (64ULL << 20)

static int stage(const uint8_t *data, size_t size) {
        uint64_t end = 0;
        int fd = memfd_create("fcr-fuzz-image", MFD_CLOEXEC);

        if (fd < 0)
                return -1;
        while (size >= 12) {
                uint64_t off = get_le32(data) | (uint64_t) get_le32(data + 4) << 32;
                uint32_t len = get_le32(data + 8);

                data += 12;
                size -= 12;
                if (len > size)
                        len = (uint32_t) size;
                if (off > MAX_IMAGE || len > MAX_IMAGE - off)
                        break;
                if (len && pwrite(fd, data, len, (off_t) off) != (ssize_t) len)
                        break;
                if (off + len > end)
                        end = off + len;
                data += len;
                size -= len;
        }
        if (ftruncate(fd, (off_t) end) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Instrumented plugins register coverage counters that libFuzzer reads
 * after every input; the engine unloads its plugins when it is done, and
 * libFuzzer would then read unmapped memory.  One reference held here
 * keeps each loaded: the engine's dlopen finds the same object. */
static void pin_plugins(const char *dir) {
        char path[4096];
        struct dirent *de;
        DIR *d = opendir(dir);

        if (!d)
                return;
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (n > 3 && strcmp(de->d_name + n - 3, ".so") == 0 &&
                    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int) sizeof(path))
                        (void) dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        }
        closedir(d);
}

static void run(const char *path, bool inspect, FILE *sink) {
        struct fcr_engine_opts o = {
                .device = path, .read_only = true, .inspect_only = inspect, .plugin_dir = FUZZ_PLUGIN_DIR,
        };
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};
        struct fcr_inspect *v = NULL;
        struct json_object *j;

        if (fcr_engine_open(&o, &e, &d) < 0)
                return;
        if (inspect) {
                if ((fcr_engine_scan(e, &d) >= 0 || e->jsb.blocksize) && fcr_engine_inspect(e, &v) >= 0) {
                        /* Both printers, and the view read back from its
                         * JSON as fcreplayctl reads the daemon's. */
                        print_inspect(sink, v);
                        j = fcr_inspect_to_json(v);
                        fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY), sink);
                        print_inspect_json(sink, j);
                        json_object_put(j);
                        fcr_inspect_free(v);
                }
        } else if (fcr_engine_plan(e, &d) >= 0) {
                print_replay(sink, e, true);
                j = fcr_report_replay(e);
                fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY), sink);
                json_object_put(j);
        }
        fcr_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static FILE *sink;
        char path[64];
        int fd;

        /* FCR_FUZZ_PRINT=1 shows what the printers make of an input. */
        if (!sink) {
                sink = getenv("FCR_FUZZ_PRINT") ? stdout : fopen("/dev/null", "w");
                pin_plugins(FUZZ_PLUGIN_DIR "/tags");
                pin_plugins(FUZZ_PLUGIN_DIR "/alloc");
        }
        fd = stage(data, size);
        if (fd < 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        run(path, true, sink);
        run(path, false, sink);
        close(fd);
        return 0;
}
