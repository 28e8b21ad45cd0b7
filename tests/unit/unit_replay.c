#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit_replay.h"

static int first_free(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret) {
        return a->ops->find_free(a, a->geom->first_data_block, a->geom->blocks_count, ret) == 1 ? 0 : -ENOSPC;
}

static int no_space(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret) {
        return -ENOSPC;
}

const struct fcr_alloc_plugin ur_first_free = {
        FCR_ALLOC_PLUGIN_HEADER, .name = "first-free", .alloc = first_free,
};

const struct fcr_alloc_plugin ur_no_space = {
        FCR_ALLOC_PLUGIN_HEADER, .name = "no-space", .alloc = no_space,
};

void ur_setup(struct unit_replay *u, const struct fcr_alloc_plugin *alloc) {
        ur_setup_features(u, alloc, "fast_commit");
}

void ur_setup_features(struct unit_replay *u, const struct fcr_alloc_plugin *alloc, const char *features) {
        char cmd[16384];

        memset(u, 0, sizeof(*u));
        u->dir = unit_mkdtemp();
        snprintf(u->img, sizeof(u->img), "%s/fs.img", u->dir);
        snprintf(cmd, sizeof(cmd),
                 "set -e; cd '%s'; mkdir -p tree/dir; head -c 3072 /dev/urandom > tree/file; "
                 "head -c 1000 /dev/urandom > tree/dir/inner; "
                 "mkfs.ext4 -q -F -b 1024 -O %s -d tree fs.img 4M > /dev/null 2>&1", u->dir, features);
        ck_assert_msg(system(cmd) == 0, "mkfs.ext4 -d failed (e2fsprogs is a test dependency)");
        ck_assert_int_eq(unix_io_manager->open(u->img, 0, &u->base), 0);
        ck_assert_int_eq(io_channel_set_blksize(u->base, 1024), 0);
        ck_assert_int_eq(fcr_overlay_new(u->base, 1024, &u->ov), 0);
        ck_assert_int_eq(fcr_replay_new(u->ov, NULL, alloc, &u->d, &u->r), 0);
        u->file = ur_lookup(u, "file");
        u->subdir = ur_lookup(u, "dir");
        u->inner = ur_lookup(u, "dir/inner");
        ck_assert(u->file && u->subdir && u->inner);
}

void ur_done(struct unit_replay *u) {
        fcr_replay_free(u->r);
        fcr_overlay_free(u->ov);
        if (u->base)
                io_channel_close(u->base);
        unit_rmtree(u->dir);
        free(u->dir);
}

uint32_t ur_lookup(struct unit_replay *u, const char *path) {
        ext2_ino_t ino = 0;

        if (ext2fs_namei(u->r->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino))
                return 0;
        return ino;
}

uint64_t ur_bmap(struct unit_replay *u, uint32_t ino, uint64_t lblk) {
        blk64_t phys = 0;

        ck_assert_int_eq(ext2fs_bmap2(u->r->fs, ino, NULL, NULL, 0, lblk, NULL, &phys), 0);
        return phys;
}

uint64_t ur_free_block(struct unit_replay *u, uint64_t from) {
        struct fcr_alloc_ctx *a = &u->r->actx;
        uint64_t b = 0;

        ck_assert_int_eq(a->ops->find_free(a, from, a->geom->blocks_count, &b), 1);
        return b;
}

ext2_filsys ur_reopen(struct unit_replay *u) {
        ext2_filsys fs = NULL;

        ck_assert_int_eq(ext2fs_open2(fcr_overlay_name(u->ov), NULL, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP, 0, 0,
                                      fcr_overlay_manager(), &fs), 0);
        ck_assert_int_eq(ext2fs_read_bitmaps(fs), 0);
        return fs;
}

bool unit_notes_contain(const struct fcr_replay *r, const char *needle) {
        for (size_t i = 0; i < r->nr_notes; i++)
                if (strstr(r->notes[i], needle))
                        return true;
        return false;
}
