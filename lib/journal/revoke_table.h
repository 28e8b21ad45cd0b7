/* The revoke table of a replay: for each block the replay may write (a
 * block logged by a replayed transaction), the latest transaction that
 * revokes it.  Sized by the logged blocks, which the log's size bounds,
 * never by the revoke records: a log of revoke blocks holds a thousand
 * records per block, and only those that name a logged block matter. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct revoke_slot;

struct revoke_table {
        struct revoke_slot *slots;
        size_t cap;                     /* 2^bits, at least twice the blocks */
        unsigned bits;
        size_t n;
};

/* Room for up to blocks distinct logged blocks. */
int revoke_table_init(struct revoke_table *t, size_t blocks);
void revoke_table_done(struct revoke_table *t);

/* A block the replay may write (once or more). */
void revoke_table_add(struct revoke_table *t, uint64_t block);
/* A revoke record of transaction tid: kept if it names an added block
 * and is the latest for it. */
void revoke_table_revoke(struct revoke_table *t, uint64_t block, uint32_t tid);
/* A copy logged in tid is revoked by a record of the same or a later tid. */
bool revoke_table_revoked(const struct revoke_table *t, uint64_t block, uint32_t tid);
