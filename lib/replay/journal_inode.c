/* The journal inode in the replay view, made the superblock's backup
 * again when it was found through the backup (journal/journal_backup.h). */
#include <string.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "io/journal_io.h"
#include "journal/journal_backup.h"
#include "journal_inode.h"
#include "replay_internal.h"

static bool is_backup_inode(const struct ext2_inode *cur, const struct ext2_inode *want) {
        return LINUX_S_ISREG(cur->i_mode) && cur->i_links_count > 0 &&
               EXT2_I_SIZE(cur) == EXT2_I_SIZE(want) &&
               (cur->i_flags & EXT4_EXTENTS_FL) == (want->i_flags & EXT4_EXTENTS_FL) &&
               memcmp(cur->i_block, want->i_block, sizeof(want->i_block)) == 0;
}

int fcr_journal_restore_inode(struct fcr_replay *r, bool *restored) {
        ext2_filsys fs = r->fs;
        ext2_ino_t ino = fs->super->s_journal_inum;
        _cleanup_free_ struct ext2_inode_large *cur = calloc(1, r->geom.inode_size);
        struct fcr_diag why = {};
        struct ext2_inode want;
        struct ino_state *s;
        errcode_t e;
        int ret;

        *restored = false;
        if (!cur)
                return -ENOMEM;
        /* The view's superblock: the jbd2 replay may have rewritten it. */
        ret = fcr_journal_backup_inode(fs, fs->super, &want, &why);
        if (ret < 0)
                return fcr_fail(r->d, ret, "after the journal replay, the superblock's backup of journal inode %u "
                                "is no longer valid: %s", ino, why.msg);
        /* A damaged inode may not even pass its checksum: then it is rebuilt. */
        e = ext2fs_read_inode_full(fs, ino, (struct ext2_inode *) cur, r->geom.inode_size);
        if (e == 0 && is_backup_inode((struct ext2_inode *) cur, &want))
                return 0;
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
        fcr_replay_note(r, "ino %u: restored from the superblock's backup (%llu bytes, %s)", ino,
                        (unsigned long long) EXT2_I_SIZE(&want),
                        want.i_flags & EXT4_EXTENTS_FL ? "extent-mapped" : "block-mapped");
        *restored = true;
        return 0;
}
