/* Fuzz target: a message from fcreplayd's replay worker (worker.h), as
 * the daemon parses it.  What parses encodes again, and that parses. */
#include "fuzz_journal.h"
#include "message.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t out[FCRD_PACKET_MAX];
        struct fcrd_worker_msg m, again;
        int n;

        if (fcrd_worker_parse(data, size, &m) < 0)
                return 0;
        n = fcrd_worker_encode(&m, out, sizeof(out));
        if (n <= 0 || fcrd_worker_parse(out, n, &again) < 0 || again.type != m.type)
                __builtin_trap();
        return 0;
}
