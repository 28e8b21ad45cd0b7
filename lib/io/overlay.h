/* A copy-on-write view of a device, in memory.  Replay is computed against
 * this view: reads fall through to the device unless a block was written
 * or preloaded; writes never reach the device.  Afterwards the engine
 * harvests the written blocks and commits them atomically. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct fcr_overlay;

enum {
        FCR_OV_PRELOADED = 1,   /* a block the jbd2 replay will write */
        FCR_OV_WRITTEN   = 2,   /* written through the view (fast-commit replay) */
};

/* blocksize: the filesystem's; base: channel to the device (not owned). */
int fcr_overlay_new(io_channel base, unsigned blocksize, struct fcr_overlay **ret);
void fcr_overlay_free(struct fcr_overlay *ov);

/* Put a block into the view without marking it written. */
int fcr_overlay_preload(struct fcr_overlay *ov, uint64_t block, const void *data);

/* The io_manager and the name to pass to ext2fs_open2() for this view. */
io_manager fcr_overlay_manager(void);
const char *fcr_overlay_name(const struct fcr_overlay *ov);

/* Call fn for every block written through the view, in block order. */
typedef int (*fcr_overlay_fn)(uint64_t block, const void *data, void *userdata);
int fcr_overlay_foreach_written(struct fcr_overlay *ov, fcr_overlay_fn fn, void *userdata);
size_t fcr_overlay_count_written(const struct fcr_overlay *ov);

/* Statistics: blocks read from the device through the view. */
uint64_t fcr_overlay_reads(const struct fcr_overlay *ov);
