/* The memory ceiling of a replay: RLIMIT_AS, so that a log that needs
 * more than the engine allows fails an allocation, which is then refused
 * with its reason.  prlimit(), not setrlimit(): fcreplayd's unit filters
 * the setrlimit system call (~@resources), not prlimit64. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <fcreplay/limits.h>

static rlim_t in_force;         /* the limit set, 0: none */

int fcr_memory_limit(void) {
        rlim_t want = (rlim_t) FCR_MEMORY_CEILING_MIB << 20;
        struct rlimit rl;

#ifdef FCR_SANITIZED
        /* A sanitizer build (tests only): ASan's shadow needs terabytes of
         * address space, so there is no ceiling to set. */
        return 0;
#endif
        if (prlimit(0, RLIMIT_AS, NULL, &rl) < 0)
                return -errno;
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
                want = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max = want;
        if (prlimit(0, RLIMIT_AS, &rl, NULL) < 0)
                return -errno;
        in_force = want;
        return 0;
}

int fcr_memory_refusal(int r, struct fcr_diag *d) {
        if (r != -ENOMEM || !in_force)
                return r;
        return fcr_fail(d, -EOPNOTSUPP, "replaying this journal takes more memory than the %llu MiB of address "
                        "space fcreplay allows itself, beyond its bound; the kernel's mount replays it",
                        (unsigned long long) (in_force >> 20));
}
