/* The services tag plugins replay through (struct fcr_replay_ops).  Each
 * follows the kernel's replay semantics and records what it changed; the
 * log records results, so every service is idempotent.  This file holds
 * the table and the helpers the service files share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <et/com_err.h>
#include "io/journal_io.h"
#include "alloc_host.h"
#include "replay_ops.h"
#include "system_zone.h"

int fcr_replay_fail_e2(struct fcr_replay *r, errcode_t e, const char *what, uint32_t ino) {
        const char *why;
        int err = fcr_alloc_host_reason(r, e, &why);

        return fcr_fail(r->d, err, "%s of inode %u failed: %s", what, ino, why);
}

bool fcr_replay_valid_ino(struct fcr_replay *r, uint32_t ino) {
        return ino >= EXT2_ROOT_INO && ino <= r->geom.inodes_count;
}

bool fcr_replay_special_ino(struct fcr_replay *r, uint32_t ino) {
        const struct ext2_super_block *sb = r->fs->super;

        return (ino < EXT2_FIRST_INO(sb) && ino != EXT2_ROOT_INO) || ino == sb->s_usr_quota_inum ||
               ino == sb->s_grp_quota_inum || ino == sb->s_prj_quota_inum || ino == sb->s_orphan_file_inum;
}

/* An inode the replay may work on: allocated and with a mode.  The
 * kernel skips tags for inodes it cannot load; so do we, with a note. */
int fcr_replay_load_live(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode) {
        errcode_t e;

        if (!fcr_replay_valid_ino(r, ino)) {
                fcr_replay_note(r, "ino %u does not exist, skipped", ino);
                return 0;
        }
        if (fcr_replay_special_ino(r, ino)) {
                fcr_replay_note(r, "ino %u is reserved, skipped", ino);
                return 0;
        }
        e = ext2fs_read_inode(r->fs, ino, inode);
        if (e)
                return fcr_replay_fail_e2(r, e, "reading", ino);
        if (inode->i_mode == 0 || inode->i_links_count == 0) {
                fcr_replay_note(r, "ino %u is not in use, skipped", ino);
                return 0;
        }
        return 1;
}

int fcr_replay_check_mappable(struct fcr_replay *r, uint32_t ino, uint64_t pblk, uint32_t len) {
        const struct fcr_zone_range *z;
        char why[256];
        int ret;

        if (!r->zone) {
                r->zone = calloc(1, sizeof(*r->zone));
                if (!r->zone)
                        return -ENOMEM;
                ret = fcr_system_zone_build(r->fs, r->zone, why, sizeof(why));
                if (ret < 0) {
                        free(r->zone);
                        r->zone = NULL;
                        return ret == -ENOMEM ? ret : fcr_fail(r->d, ret, "%s", why);
                }
        }
        z = fcr_system_zone_find(r->zone, pblk, len);
        if (!z)
                return 0;
        return fcr_fail(r->d, -EUCLEAN, "ADD_RANGE maps inode %u to blocks %llu..%llu, and block %llu holds %s "
                        "(group %u): no file may have it", ino, (unsigned long long) pblk,
                        (unsigned long long) (pblk + len - 1),
                        (unsigned long long) (z->start > pblk ? z->start : pblk), fcr_zone_kind_str(z->kind),
                        z->group);
}

static void op_note(struct fcr_replay_ctx *c, const char *fmt, ...) {
        char line[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fcr_replay_note(replay_of(c), "%s", line);
}

const struct fcr_replay_ops fcr_replay_ops = {
        .inode_replay = fcr_op_inode_replay,
        .map_range = fcr_op_map_range,
        .unmap_range = fcr_op_unmap_range,
        .add_entry = fcr_op_add_entry,
        .remove_entry = fcr_op_remove_entry,
        .note = op_note,
};
