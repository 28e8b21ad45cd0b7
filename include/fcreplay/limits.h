/* The engine's bounds, whatever the device holds (docs/limits.md): the
 * memory one replay may take, enforced here; the work of a fast-commit
 * replay and the lists inspect shows are bounded where they are spent. */
#pragma once
#include <stdint.h>
#include <fcreplay/diag.h>

/* The work one fast-commit replay may do, in units: a tag replayed, an
 * extent looked up, a block mapping changed.  What a log may ask of the
 * replay is bounded by it, whatever the log holds (the costliest unit, a
 * change in a large extent tree, takes about 0.1 ms); a real log asks
 * for a small part of it.  Beyond it the replay is refused, and a log
 * that commits more tags than this is refused by the scan, before it
 * keeps them. */
#define FCR_REPLAY_WORK_MAX (UINT64_C(1) << 21)

/* The address space of a process that replays or inspects a device:
 * the engine's data, which follows the log (its blocks, not its records),
 * and the libraries, about 40 MiB of it. */
#define FCR_MEMORY_CEILING_MIB 1024

/* Cap this process's address space (RLIMIT_AS, soft and hard) at
 * FCR_MEMORY_CEILING_MIB, or keep a lower limit already set (prlimit,
 * LimitAS=): never raised.  Call it first in every process that runs the
 * engine on a device: fcreplay, fcreplayd's replay worker.  Beyond it an
 * allocation fails, and fcr_memory_refusal() says why.  0 or -errno. */
int fcr_memory_limit(void);

/* r, or, when r is -ENOMEM under a limit fcr_memory_limit() set, a
 * refusal (-EOPNOTSUPP: exit 2, nothing written) whose reason in d names
 * the limit. */
int fcr_memory_refusal(int r, struct fcr_diag *d);
