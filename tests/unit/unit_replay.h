/* A replay over a real (tiny) ext4 made by mkfs.ext4 -d, on a
 * copy-on-write overlay: the tests of the tag services and of the finish
 * step build on it.  The tree: /file (3 blocks), /dir/inner (1 block). */
#pragma once
#include <ext2fs/ext2fs.h>
#include "io/overlay.h"
#include "replay/replay_internal.h"
#include "unit.h"

struct unit_replay {
        char *dir, img[4096];
        io_channel base;
        struct fcr_overlay *ov;
        struct fcr_replay *r;
        struct fcr_diag d;
        uint32_t file, subdir, inner;   /* their inode numbers */
};

/* First free block, as the kernel policy does. */
extern const struct fcr_alloc_plugin ur_first_free;
/* Never finds a block. */
extern const struct fcr_alloc_plugin ur_no_space;

void ur_setup(struct unit_replay *u, const struct fcr_alloc_plugin *alloc);
/* The same with these mkfs.ext4 -O features (ur_setup: fast_commit). */
void ur_setup_features(struct unit_replay *u, const struct fcr_alloc_plugin *alloc, const char *features);
void ur_done(struct unit_replay *u);
/* The inode number of path (from the root) in the replay view; 0: none. */
uint32_t ur_lookup(struct unit_replay *u, const char *path);
/* The physical block of ino's logical block lblk in the view (0: hole). */
uint64_t ur_bmap(struct unit_replay *u, uint32_t ino, uint64_t lblk);
/* A free block of the view, at or after from. */
uint64_t ur_free_block(struct unit_replay *u, uint64_t from);
/* The filesystem as the overlay holds it now, opened afresh. */
ext2_filsys ur_reopen(struct unit_replay *u);

/* Whether one of the replay's note lines contains needle. */
bool unit_notes_contain(const struct fcr_replay *r, const char *needle);
#define ck_assert_note(r, needle) \
        ck_assert_msg(unit_notes_contain((r), (needle)), "no note contains '%s'", (needle))
