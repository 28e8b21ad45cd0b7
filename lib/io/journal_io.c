#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "journal_io.h"

int fcr_errcode_to_errno(errcode_t e) {
        if (e == 0)
                return 0;
        /* libext2fs passes plain errno values through unchanged. */
        if (e > 0 && e < 4096)
                return -(int) e;
        switch (e) {
        case EXT2_ET_NO_MEMORY:
                return -ENOMEM;
        case EXT2_ET_SHORT_READ:
        case EXT2_ET_SHORT_WRITE:
                return -EIO;
        default:
                return -EUCLEAN;
        }
}

void fcr_fs_close_nowrite(ext2_filsys *fs) {
        if (!*fs)
                return;
        (*fs)->flags &= ~(EXT2_FLAG_RW | EXT2_FLAG_DIRTY);
        ext2fs_close_free(fs);
}

struct map_ctx {
        struct fcr_journal *j;
        errcode_t err;
        ext2_ino_t ino;
        const struct ext2_inode *inode;
};

/* Appends lblk..lblk+len-1 -> pblk..; a contiguous continuation extends
 * the last run.  Blocks past the journal's size are not the log's.  A
 * mapping that goes back over one already seen is a damaged tree. */
static errcode_t add_run(struct fcr_journal *j, uint64_t lblk, blk64_t pblk, uint64_t len) {
        struct fcr_journal_run *last = j->nr_runs ? &j->runs[j->nr_runs - 1] : NULL;

        if (lblk >= j->nblocks)
                return 0;
        len = MIN(len, j->nblocks - lblk);
        if (last && lblk < last->lblk + last->len)
                return EXT2_ET_EXTENT_NOT_FOUND;
        if (last && lblk == last->lblk + last->len && pblk == last->pblk + last->len) {
                last->len += len;
                return 0;
        }
        if (j->nr_runs == j->alloc_runs) {
                size_t n = j->alloc_runs ? 2 * j->alloc_runs : 16;
                struct fcr_journal_run *v = reallocarray(j->runs, n, sizeof(*v));

                if (!v)
                        return EXT2_ET_NO_MEMORY;
                j->runs = v;
                j->alloc_runs = n;
        }
        j->runs[j->nr_runs++] = (struct fcr_journal_run) { .lblk = lblk, .pblk = pblk, .len = len };
        return 0;
}

static int map_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
                     blk64_t ref_blk, int ref_offset, void *priv) {
        struct map_ctx *c = priv;

        if (blockcnt < 0)
                return 0;
        c->err = add_run(c->j, blockcnt, *blocknr, 1);
        return c->err ? BLOCK_ABORT : 0;
}

/* libext2fs walks only inodes it reads itself; its read_inode hook hands
 * it the copy we were given (e2fsck walks the backup map the same way). */
static errcode_t given_inode(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode) {
        const struct map_ctx *c = fs->priv_data;

        if (ino != c->ino)
                return EXT2_ET_CALLBACK_NOTHANDLED;
        *inode = *c->inode;
        return 0;
}

/* A journal is a few extents: walking them costs what the tree holds,
 * where a walk block by block costs its size (266,240 calls for the
 * 1 GiB journal of a large filesystem) and a block map as large.  The inode may be the superblock's
 * backup copy, so the tree's root comes from it, not from the table. */
static errcode_t map_extents(ext2_filsys fs, ext2_ino_t ino, const struct ext2_inode *inode,
                             struct fcr_journal *j) {
        struct ext2_inode copy = *inode;
        ext2_extent_handle_t h;
        struct ext2fs_extent ext;
        errcode_t e;

        e = ext2fs_extent_open2(fs, ino, &copy, &h);
        if (e)
                return e;
        for (e = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &ext); !e; e = ext2fs_extent_get(h, EXT2_EXTENT_NEXT, &ext)) {
                if (!(ext.e_flags & EXT2_EXTENT_FLAGS_LEAF))
                        continue;
                e = add_run(j, ext.e_lblk, ext.e_pblk, ext.e_len);
                if (e)
                        break;
        }
        ext2fs_extent_free(h);
        return e == EXT2_ET_EXTENT_NO_NEXT || e == EXT2_ET_EXTENT_NO_DOWN ? 0 : e;
}

/* Every block of the journal mapped, inside the filesystem: -EUCLEAN and
 * the first offset that is not. */
static int first_invalid(const struct fcr_journal *j, uint64_t fs_blocks, uint64_t *ret_bad) {
        uint64_t next = 0;

        for (size_t i = 0; i < j->nr_runs; i++) {
                const struct fcr_journal_run *run = &j->runs[i];

                if (run->lblk != next) {
                        *ret_bad = next;
                        return -EUCLEAN;
                }
                if (run->pblk == 0 || run->pblk >= fs_blocks || run->len > fs_blocks - run->pblk) {
                        *ret_bad = run->lblk + (run->pblk == 0 || run->pblk >= fs_blocks ? 0 : fs_blocks - run->pblk);
                        return -EUCLEAN;
                }
                next = run->lblk + run->len;
        }
        if (next < j->nblocks) {
                *ret_bad = next;
                return -EUCLEAN;
        }
        return 0;
}

int fcr_journal_map(ext2_filsys fs, ext2_ino_t ino, const struct ext2_inode *inode, const char *what,
                    struct fcr_journal **ret, struct fcr_diag *d) {
        errcode_t (*saved_hook)(ext2_filsys, ext2_ino_t, struct ext2_inode *) = fs->read_inode;
        void *saved_priv = fs->priv_data;
        struct fcr_journal *j;
        struct map_ctx c;
        uint64_t bad;
        errcode_t e;
        int r;

        /* A journal fits in its filesystem, and jbd2 counts its blocks in
         * 32 bits: a larger i_size is damage, not a size to allocate for. */
        if (EXT2_I_SIZE(inode) / fs->blocksize > ext2fs_blocks_count(fs->super) ||
            EXT2_I_SIZE(inode) / fs->blocksize > UINT32_MAX)
                return fcr_fail(d, -EUCLEAN, "%s gives a size of %llu bytes, larger than the filesystem", what,
                                (unsigned long long) EXT2_I_SIZE(inode));
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->io = fs->io;
        j->blocksize = fs->blocksize;
        j->nblocks = EXT2_I_SIZE(inode) / fs->blocksize;
        if (inode->i_flags & EXT4_EXTENTS_FL)
                e = map_extents(fs, ino, inode, j);
        else {
                c = (struct map_ctx) { .j = j, .ino = ino, .inode = inode };
                fs->read_inode = given_inode;
                fs->priv_data = &c;
                e = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY, NULL, map_block,
                                          &c);
                fs->read_inode = saved_hook;
                fs->priv_data = saved_priv;
                if (!e)
                        e = c.err;
        }
        if (e) {
                fcr_journal_free(j);
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot map %s: %s", what, error_message(e));
        }
        r = first_invalid(j, ext2fs_blocks_count(fs->super), &bad);
        if (r < 0) {
                fcr_journal_free(j);
                return fcr_fail(d, -EUCLEAN, "%s has no valid block at offset %llu", what, (unsigned long long) bad);
        }
        *ret = j;
        return 0;
}

int fcr_journal_open_internal(ext2_filsys fs, struct fcr_journal **ret, struct fcr_diag *d) {
        ext2_ino_t ino = fs->super->s_journal_inum;
        struct ext2_inode inode;
        char what[64];
        errcode_t e;

        if (ino == 0 || ino > fs->super->s_inodes_count)
                return fcr_fail(d, -EUCLEAN, "superblock names journal inode %u, which does not exist", ino);
        e = ext2fs_read_inode(fs, ino, &inode);
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot read journal inode %u: %s",
                                ino, error_message(e));
        if (!LINUX_S_ISREG(inode.i_mode) || inode.i_links_count == 0)
                return fcr_fail(d, -EUCLEAN, "journal inode %u is not a regular in-use file", ino);
        snprintf(what, sizeof(what), "journal inode %u", ino);
        return fcr_journal_map(fs, ino, &inode, what, ret, d);
}

void fcr_journal_free(struct fcr_journal *j) {
        if (!j)
                return;
        fcr_fs_close_nowrite(&j->ext_fs);
        fcr_device_close(&j->ext_dev);
        free(j->runs);
        free(j);
}

blk64_t fcr_journal_phys(const struct fcr_journal *j, uint64_t lblk) {
        size_t lo = 0, hi = j->nr_runs;

        if (!j->runs)
                return lblk == 0 ? j->sb_block : lblk;
        /* Runs are sorted and gapless; lblk < nblocks is checked by the caller. */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;

                if (j->runs[mid].lblk <= lblk)
                        lo = mid;
                else
                        hi = mid;
        }
        return j->runs[lo].pblk + (lblk - j->runs[lo].lblk);
}

/* Journal block 0 is the journal superblock; for an external journal the
 * device blocks up to it (the ext2 superblock) are not the log's. */
static bool valid_lblk(const struct fcr_journal *j, uint64_t lblk) {
        return lblk < j->nblocks && (j->runs || lblk == 0 || lblk > j->sb_block);
}

int fcr_journal_read(struct fcr_journal *j, uint64_t lblk, void *buf) {
        if (!valid_lblk(j, lblk))
                return -EUCLEAN;
        return fcr_errcode_to_errno(io_channel_read_blk64(j->io, fcr_journal_phys(j, lblk), 1, buf));
}

int fcr_journal_write(struct fcr_journal *j, uint64_t lblk, const void *buf) {
        if (!valid_lblk(j, lblk))
                return -EUCLEAN;
        return fcr_errcode_to_errno(io_channel_write_blk64(j->io, fcr_journal_phys(j, lblk), 1, buf));
}

int fcr_journal_flush(struct fcr_journal *j) {
        return fcr_errcode_to_errno(io_channel_flush(j->io));
}
