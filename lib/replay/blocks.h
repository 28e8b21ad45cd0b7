/* The replay's ledger of blocks: what it allocated or freed (events),
 * what the allocator handed out, and the ranges the log claims.  The
 * allocator host asks it which blocks are off limits; the finish step
 * turns the events into bitmap bits. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct fcr_replay;

struct blk_event {
        uint64_t blk;
        bool used;
};

struct claimed_range {
        uint64_t start, len;
};

/* Record that blk became used (or free); the last event wins. */
int fcr_replay_event(struct fcr_replay *r, uint64_t blk, bool used);
/* Record a block the allocator gave out. */
int fcr_replay_hand_out(struct fcr_replay *r, uint64_t blk);
/* Allocated, freed or handed out by this replay (any block of its cluster). */
bool fcr_replay_block_taken(struct fcr_replay *r, uint64_t blk);
/* Inside a range the log claims (r->claimed: sorted, merged). */
bool fcr_replay_claimed(const struct fcr_replay *r, uint64_t blk);
void fcr_blocks_free(struct fcr_replay *r);
