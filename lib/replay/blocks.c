#include <search.h>
#include <stdlib.h>
#include <ext2fs/ext2fs.h>
#include "blocks.h"
#include "replay_internal.h"

static int cmp_blk(const void *a, const void *b) {
        const struct blk_event *x = a, *y = b;

        return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* The node for blk in a tree of struct blk_event, added (not in use) if
 * it was not there; NULL when out of memory. */
static struct blk_event *blk_tree_get(void **root, uint64_t blk) {
        struct blk_event key = { .blk = blk }, **p, *e;

        p = tfind(&key, root, cmp_blk);
        if (p)
                return *p;
        e = malloc(sizeof(*e));
        if (!e)
                return NULL;
        *e = key;
        if (!tsearch(e, root, cmp_blk)) {
                free(e);
                return NULL;
        }
        return e;
}

int fcr_replay_event(struct fcr_replay *r, uint64_t blk, bool used) {
        struct blk_event *e = blk_tree_get(&r->events, blk);

        if (!e)
                return -ENOMEM;
        e->used = used;
        return 0;
}

/* A block the allocator gave out is off limits from then on, even before
 * libext2fs reports it in use: one operation (an htree directory growing
 * by a block that then needs a new extent-tree node) asks twice before it
 * reports either, and must not be given the same block twice. */
int fcr_replay_hand_out(struct fcr_replay *r, uint64_t blk) {
        return blk_tree_get(&r->handed_out, blk) ? 0 : -ENOMEM;
}

/* Anything replay allocated, freed or handed out stays out of the
 * allocator's reach: a freed block may still be named by a later tag. */
bool fcr_replay_block_taken(struct fcr_replay *r, uint64_t blk) {
        uint64_t n = 1ULL << r->fs->cluster_ratio_bits, first = blk & ~(n - 1);

        /* Any block of the cluster counts: clusters are allocated whole. */
        for (uint64_t b = first; b < first + n; b++) {
                struct blk_event key = { .blk = b };

                if (tfind(&key, &r->events, cmp_blk) || tfind(&key, &r->handed_out, cmp_blk))
                        return true;
        }
        return false;
}

bool fcr_replay_claimed(const struct fcr_replay *r, uint64_t blk) {
        size_t lo = 0, hi = r->nr_claimed;

        /* Ranges are sorted by start and merged: binary search. */
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                const struct claimed_range *c = &r->claimed[mid];

                if (blk < c->start)
                        hi = mid;
                else if (blk >= c->start + c->len)
                        lo = mid + 1;
                else
                        return true;
        }
        return false;
}

void fcr_blocks_free(struct fcr_replay *r) {
        tdestroy(r->events, free);
        tdestroy(r->handed_out, free);
        r->events = r->handed_out = NULL;
}
