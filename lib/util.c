#include <errno.h>
#include <stdio.h>
#include <fcreplay/util.h>

int fcr_grow(void **arr, size_t *cap, size_t need, size_t elem) {
        size_t n;
        void *p;

        if (need <= *cap)
                return 0;
        n = *cap ? *cap * 2 : 16;
        while (n < need)
                n *= 2;
        p = realloc(*arr, n * elem);
        if (!p)
                return -ENOMEM;
        *arr = p;
        *cap = n;
        return 0;
}

void fcr_uuid_str(const uint8_t u[16], char out[37]) {
        snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
                 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}
