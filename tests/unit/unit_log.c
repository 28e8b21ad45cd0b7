#include <string.h>
#include <unistd.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "unit_log.h"

void ul_init(struct unit_log *l, uint32_t first, uint32_t compat, uint32_t incompat, uint32_t tid, uint32_t start) {
        struct sb_opts o = { .bs = LOG_BS, .maxlen = LOG_MAXLEN, .first = first, .sequence = tid, .start = start,
                             .compat = compat, .incompat = incompat };

        memset(l, 0, sizeof(*l));
        tj_init(&l->t, LOG_BS, LOG_MAXLEN);
        make_jsb(tj_block(&l->t, 0), &o);
        tj_sync(&l->t);
        ck_assert_int_eq(jbd2_super_parse(tj_block(&l->t, 0), LOG_BS, LOG_MAXLEN, &l->s, &l->d), 0);
}

void ul_done(struct unit_log *l) {
        jbd2_log_done(&l->log);
        tj_done(&l->t);
}

void ul_blocks(struct unit_log *l, size_t n, uint64_t first, uint64_t step, unsigned seed, int magic_at) {
        ck_assert_uint_le(n, 256);
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < LOG_BS; k++)
                        l->data[i][k] = (uint8_t) (seed * 13 + i * 7 + k);
                if ((int) i == magic_at)
                        put_be32(l->data[i], JBD2_MAGIC);
                l->out[i] = (struct jbd2_out_block) { .fs_block = first + i * step, .data = l->data[i] };
        }
}

void ul_read(struct unit_log *l, uint32_t b, uint8_t *buf) {
        ck_assert_int_eq(pread(l->t.fd, buf, LOG_BS, (off_t) b * LOG_BS), LOG_BS);
}

int ul_scan(struct unit_log *l) {
        jbd2_log_done(&l->log);
        return jbd2_scan(&l->t.j, &l->s, &l->log, &l->d);
}
