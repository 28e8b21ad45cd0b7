#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "journal_commit.h"

static int write_jsb(const struct fcr_commit *c, struct fcr_diag *d) {
        int r = fcr_journal_write(c->journal, 0, c->jsb_block);

        if (r == 0)
                r = fcr_journal_flush(c->journal);
        if (r < 0)
                return fcr_fail(d, r, "cannot write the journal superblock: %s", strerror(-r));
        return 0;
}

int fcr_commit_journal_empty(const struct fcr_commit *c, uint32_t next_tid, struct fcr_diag *d) {
        jbd2_super_mark_empty(c->jsb_block, c->jsb, next_tid);
        return write_jsb(c, d);
}

static int write_home(const struct fcr_commit *c, const struct jbd2_out_block *v, size_t n, size_t done,
                      struct fcr_diag *d) {
        errcode_t err;

        for (size_t i = 0; i < n; i++) {
                err = io_channel_write_blk64(c->fs_io, v[i].fs_block, 1, v[i].data);
                if (err)
                        return fcr_fail(d, fcr_errcode_to_errno(err), "cannot write filesystem block %llu: %s",
                                        (unsigned long long) v[i].fs_block, error_message(err));
                if (c->progress && (i % 256 == 255 || i + 1 == n))
                        c->progress(done + i + 1, done + n, c->userdata);
        }
        err = io_channel_flush(c->fs_io);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot flush %s: %s", c->device, error_message(err));
        return 0;
}

int fcr_commit_view(const struct fcr_commit *c, uint32_t tid, uint32_t start, const struct jbd2_out_block *v,
                    size_t n, size_t done, struct fcr_diag *d) {
        uint32_t next;
        int r;

        jbd2_super_restart(c->jsb_block, c->jsb, start, tid);
        r = write_jsb(c, d);
        if (r >= 0)
                r = jbd2_write_txn(c->journal, c->jsb, tid, start, v, n, &next, d);
        if (r >= 0)
                r = write_home(c, v, n, done, d);
        if (r >= 0)
                r = fcr_commit_journal_empty(c, tid + 1, d);
        return r;
}

int fcr_commit_superblock(ext2_filsys fs, const char *device, bool journal_error, struct fcr_diag *d) {
        unsigned bs = fs->blocksize;
        blk64_t blk = SUPERBLOCK_OFFSET / bs;
        _cleanup_free_ uint8_t *buf = malloc(bs);
        struct ext2_super_block *sb;
        errcode_t err;

        if (!buf)
                return -ENOMEM;
        sb = (struct ext2_super_block *) (buf + SUPERBLOCK_OFFSET % bs);
        err = io_channel_read_blk64(fs->io, blk, 1, buf);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot read the superblock of %s: %s", device,
                                error_message(err));
        /* On-disk (little-endian) fields, changed in place. */
        sb->s_feature_incompat &= ext2fs_cpu_to_le32(~(uint32_t) EXT3_FEATURE_INCOMPAT_RECOVER);
        /* An error the journal recorded becomes the filesystem's. */
        if (journal_error)
                sb->s_state |= ext2fs_cpu_to_le16(EXT2_ERROR_FS);
        if (ext2fs_has_feature_metadata_csum(fs->super))
                sb->s_checksum = ext2fs_cpu_to_le32(ext2fs_crc32c_le(~0U, (unsigned char *) sb,
                                                                     offsetof(struct ext2_super_block, s_checksum)));
        err = io_channel_write_blk64(fs->io, blk, 1, buf);
        if (!err)
                err = io_channel_flush(fs->io);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot write the superblock of %s: %s", device,
                                error_message(err));
        return 0;
}
