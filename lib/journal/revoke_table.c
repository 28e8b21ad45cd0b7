#include <errno.h>
#include <stdlib.h>
#include <fcreplay/bytes.h>
#include "revoke_table.h"

struct revoke_slot {
        uint64_t block;
        uint32_t tid;
        uint8_t used, revoked;
};

int revoke_table_init(struct revoke_table *t, size_t blocks) {
        unsigned bits = 4;

        while (((size_t) 1 << bits) < 2 * blocks)
                bits++;
        *t = (struct revoke_table) { .cap = (size_t) 1 << bits, .bits = bits };
        t->slots = calloc(t->cap, sizeof(*t->slots));
        return t->slots ? 0 : -ENOMEM;
}

void revoke_table_done(struct revoke_table *t) {
        free(t->slots);
        *t = (struct revoke_table) {};
}

/* Open addressing, linear probing; the multiplier spreads runs of
 * consecutive block numbers (Fibonacci hashing). */
static struct revoke_slot *find(const struct revoke_table *t, uint64_t block) {
        size_t i = (size_t) ((block * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - t->bits));

        while (t->slots[i].used && t->slots[i].block != block)
                i = (i + 1) & (t->cap - 1);
        return &t->slots[i];
}

void revoke_table_add(struct revoke_table *t, uint64_t block) {
        struct revoke_slot *s = find(t, block);

        /* init() sized the table for every block: it never fills. */
        if (s->used || t->n + 1 >= t->cap)
                return;
        *s = (struct revoke_slot) { .block = block, .used = 1 };
        t->n++;
}

void revoke_table_revoke(struct revoke_table *t, uint64_t block, uint32_t tid) {
        struct revoke_slot *s = find(t, block);

        if (!s->used)
                return;
        if (!s->revoked || tid_gt(tid, s->tid))
                s->tid = tid;
        s->revoked = 1;
}

bool revoke_table_revoked(const struct revoke_table *t, uint64_t block, uint32_t tid) {
        const struct revoke_slot *s = find(t, block);

        return s->used && s->revoked && tid_geq(s->tid, tid);
}
