/* Fuzz target: the probe's side of fcreplayd (probe.h): the answer the
 * probe's child sends, as the daemon decodes it, and the superblock the
 * child reads from a device, as it is taken apart. */
#include <string.h>
#include "fuzz_journal.h"
#include "message.h"
#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t out[FCRD_PACKET_MAX];
        struct fcrd_probe p = {}, q;
        int r, r2, n;

        /* Every string it decodes is terminated within its field. */
        if (fcrd_probe_decode(data, size, &r, &p) == 0) {
                n = fcrd_probe_encode(r, &p, out, sizeof(out));
                if (n <= 0 || fcrd_probe_decode(out, n, &r2, &q) < 0 || r2 != r || strcmp(q.uuid, p.uuid) ||
                    strcmp(q.label, p.label) || strcmp(q.backing, p.backing))
                        __builtin_trap();
        }
        /* A superblock: the 1024 bytes at 1024 (data from its start). */
        p = (struct fcrd_probe) {};
        if (fcrd_probe_superblock(data, size, &p) == 0 && (strlen(p.label) >= sizeof(p.label) ||
                                                           strlen(p.uuid) != 36 || (p.needs_recovery && !p.has_journal)))
                __builtin_trap();
        return 0;
}
