/* The journal inode in the replay view, made the superblock's backup
 * again when it was found through the backup (journal/journal_backup.h). */
#include <string.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "io/journal_io.h"
#include "journal/journal_backup.h"
#include "journal_inode.h"
#include "replay_internal.h"

/* The backup to rebuild from: the view's superblock (the jbd2 replay may
 * have rewritten it), else the one the journal was opened with.  An old
 * superblock in the log may carry no backup at all (e2fsprogs' f_journal:
 * type 0); the journal was just read through the one at open. */
static int pick_backup(struct fcr_replay *r, const struct ext2_super_block *at_open, struct ext2_inode *ret,
                       bool *ret_from_open) {
        ext2_filsys fs = r->fs;
        struct fcr_diag why = {}, why_open = {};
        int ret_view, ret_open;

        ret_view = fcr_journal_backup_inode(fs, fs->super, ret, &why);
        if (ret_view == 0) {
                *ret_from_open = false;
                return 0;
        }
        ret_open = fcr_journal_backup_inode(fs, at_open, ret, &why_open);
        if (ret_open == 0) {
                *ret_from_open = true;
                return 0;
        }
        return fcr_fail(r->d, ret_view, "journal inode %u is damaged after the journal replay, and neither the "
                        "replayed superblock's backup of it (%s) nor the one before the replay (%s) can rebuild it",
                        fs->super->s_journal_inum, why.msg, why_open.msg);
}

int fcr_journal_restore_inode(struct fcr_replay *r, const struct ext2_super_block *at_open, bool *restored) {
        ext2_filsys fs = r->fs;
        ext2_ino_t ino = fs->super->s_journal_inum;
        _cleanup_free_ struct ext2_inode_large *cur = calloc(1, r->geom.inode_size);
        struct ext2_inode want;
        struct ino_state *s;
        bool from_open;
        errcode_t e;
        int ret;

        *restored = false;
        if (!cur)
                return -ENOMEM;
        /* The log may have brought the inode back (its inode-table block
         * was logged): a regular file with links is the journal again.
         * A damaged inode may not even pass its checksum: then it is
         * rebuilt. */
        e = ext2fs_read_inode_full(fs, ino, (struct ext2_inode *) cur, r->geom.inode_size);
        if (e == 0 && LINUX_S_ISREG(cur->i_mode) && cur->i_links_count > 0)
                return 0;
        ret = pick_backup(r, at_open, &want, &from_open);
        if (ret < 0)
                return ret;
        if (from_open) {
                /* As e2fsck leaves it: the superblock backs the inode up. */
                memcpy(fs->super->s_jnl_blocks, at_open->s_jnl_blocks, sizeof(fs->super->s_jnl_blocks));
                fs->super->s_jnl_backup_type = at_open->s_jnl_backup_type;
                ext2fs_mark_super_dirty(fs);
        }
        memset(cur, 0, r->geom.inode_size);
        memcpy(cur, &want, sizeof(want));
        if (r->geom.inode_size > EXT2_GOOD_OLD_INODE_SIZE)
                cur->i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
        e = ext2fs_write_inode_full(fs, ino, (struct ext2_inode *) cur, r->geom.inode_size);
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot write journal inode %u: %s", ino,
                                error_message(e));
        /* The finish step counts its blocks (i_blocks) and marks them used. */
        s = fcr_replay_inode(r, ino);
        if (!s)
                return -ENOMEM;
        s->flags |= INO_MODIFIED | INO_USED;
        fcr_replay_note_head(r, "[journal]:");
        fcr_replay_note(r, "ino %u: restored from the superblock's backup%s (%llu bytes, %s)", ino,
                        from_open ? " as it was before the replay" : "", (unsigned long long) EXT2_I_SIZE(&want),
                        want.i_flags & EXT4_EXTENTS_FL ? "extent-mapped" : "block-mapped");
        *restored = true;
        return 0;
}
