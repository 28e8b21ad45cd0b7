/* Small helpers shared by the engine modules and its programs: arrays
 * that grow, cleanup attributes. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Grow *arr (elements of size elem) so that it holds at least need
 * elements; doubles the capacity.  Returns 0 or -ENOMEM. */
int fcr_grow(void **arr, size_t *cap, size_t need, size_t elem);

#define FCR_PUSH(arr, n, cap) \
        (fcr_grow((void **) &(arr), &(cap), (n) + 1, sizeof(*(arr))) < 0 ? NULL : &(arr)[(n)++])

/* Whether len bytes at p are all zero. */
static inline int fcr_is_zero(const void *p, size_t len) {
        const uint8_t *b = p;

        return len == 0 || (b[0] == 0 && __builtin_memcmp(b, b + 1, len - 1) == 0);
}

/* Now on clock (CLOCK_MONOTONIC for durations), in microseconds. */
static inline uint64_t fcr_now_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* "xxxxxxxx-xxxx-..." into out (37 bytes). */
void fcr_uuid_str(const uint8_t uuid[16], char out[37]);

static inline void freep(void *p) { free(*(void **) p); }
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_(f) __attribute__((cleanup(f)))
