/* Fuzz target: a whole journal (1 KiB blocks, superblock first) through
 * the superblock parser, the log walk, the replay plan and the
 * fast-commit scanner with the built-in tag rules. */
#include <stdlib.h>
#include "fastcommit/fc_scan.h"
#include "fuzz_journal.h"
#include "journal/jbd2_plan.h"
#include "journal/jbd2_scan.h"
#include "journal/jbd2_super.h"

#define BS 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct fcr_journal *j;
        struct jbd2_super s;
        struct jbd2_log log = {};
        struct jbd2_plan plan = {};
        struct fc_log fc = {};
        struct fcr_diag d = {};
        uint8_t sb[BS] = {};

        if (size < 64 || size > (4 << 20))
                return 0;
        j = fuzz_journal_new(BS, (size + BS - 1) / BS + 1, &(struct fuzz_piece) { 0, data, size }, 1);
        if (!j)
                return 0;
        if (fcr_journal_read(j, 0, sb) < 0 || jbd2_super_parse(sb, BS, j->nblocks, &s, &d) < 0)
                goto out;
        if (jbd2_scan(j, &s, &log, &d) >= 0 && jbd2_plan_build(j, &s, &log, 1 << 20, &plan, &d) >= 0)
                jbd2_plan_done(&plan);
        if (jbd2_has_incompat(&s, 0x20 /* FAST_COMMIT */))
                fc_scan(j, &s, log.end_tid, 0, NULL, NULL, &fc, &d);
        fc_log_done(&fc);
        jbd2_log_done(&log);
out:
        fuzz_journal_free(j);
        return 0;
}
