/* Fuzz target: a fast-commit area.  The first 4 bytes are the expected
 * tid (little-endian), the rest the area's blocks (1 KiB each), behind a
 * valid journal superblock with the fast_commit feature. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "fastcommit/fc_scan.h"
#include "fuzz_journal.h"
#include "journal/jbd2_format.h"
#include "journal/jbd2_super.h"

#define BS 1024
#define LOG_BLOCKS 1024         /* the smallest journal jbd2 accepts */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t sb[BS] = {};
        uint32_t nfc, maxlen, tid;
        struct fcr_journal *j;
        struct jbd2_super s;
        struct fc_log fc = {};
        struct fcr_diag d = {};

        if (size < 8 || size > 256 * BS)
                return 0;
        tid = get_le32(data);
        /* The area starts one block after the log's end and writers
         * never use the journal's last block. */
        nfc = (uint32_t) ((size - 4 + BS - 1) / BS) + 1;
        maxlen = LOG_BLOCKS + nfc;
        put_be32(sb + 0x00, JBD2_MAGIC);
        put_be32(sb + 0x04, 4);                 /* v2 superblock */
        put_be32(sb + 0x0C, BS);
        put_be32(sb + 0x10, maxlen);
        put_be32(sb + 0x14, 1);                 /* s_first */
        put_be32(sb + 0x18, tid);
        put_be32(sb + 0x1C, 1);                 /* s_start */
        put_be32(sb + 0x28, 0x20);              /* FAST_COMMIT */
        put_be32(sb + 0x54, nfc);
        struct fuzz_piece pieces[] = {
                { 0, sb, sizeof(sb) },
                { (uint64_t) (LOG_BLOCKS + 1) * BS, data + 4, size - 4 },
        };
        j = fuzz_journal_new(BS, maxlen, pieces, 2);
        if (!j)
                return 0;
        if (jbd2_super_parse(sb, BS, j->nblocks, &s, &d) == 0)
                fc_scan(j, &s, tid, 0, NULL, NULL, &fc, &d);
        fc_log_done(&fc);
        fuzz_journal_free(j);
        return 0;
}
