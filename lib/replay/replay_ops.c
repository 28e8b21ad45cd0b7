/* The services tag plugins replay through (struct fcr_replay_ops).  Each
 * follows the kernel's replay semantics and records what it changed; the
 * log records results, so every service is idempotent.  This file holds
 * the table and the helpers the service files share. */
#include <stdarg.h>
#include <stdio.h>
#include <et/com_err.h>
#include "io/journal_io.h"
#include "alloc_host.h"
#include "replay_ops.h"

int fcr_replay_fail_e2(struct fcr_replay *r, errcode_t e, const char *what, uint32_t ino) {
        const char *why;
        int err = fcr_alloc_host_reason(r, e, &why);

        return fcr_fail(r->d, err, "%s of inode %u failed: %s", what, ino, why);
}

bool fcr_replay_valid_ino(struct fcr_replay *r, uint32_t ino) {
        return ino >= EXT2_ROOT_INO && ino <= r->geom.inodes_count;
}

/* An inode the replay may work on: allocated and with a mode.  The
 * kernel skips tags for inodes it cannot load; so do we, with a note. */
int fcr_replay_load_live(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode) {
        errcode_t e;

        if (!fcr_replay_valid_ino(r, ino)) {
                fcr_replay_note(r, "ino %u does not exist, skipped", ino);
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
