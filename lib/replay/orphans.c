/* Orphan cleanup after replay, as the kernel's mount and e2fsck do it
 * (see orphans.h).  Facts: an orphan's i_dtime holds the next inode of
 * the list while it is on it; the list and the orphan file are changed by
 * full jbd2 transactions only, never by fast commits, so they are read
 * from the replay view after both. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <et/com_err.h>
#include <fcreplay/bytes.h>
#include "orphans.h"
#include "alloc_host.h"
#include "replay_internal.h"
#include <fcreplay/util.h>

bool fcr_orphans_possible(const struct ext2_super_block *sb) {
        /* The feature test helpers take no const superblock. */
        return sb->s_last_orphan != 0 || (sb->s_feature_compat & EXT4_FEATURE_COMPAT_ORPHAN_FILE) ||
               (sb->s_feature_ro_compat & EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT);
}

bool fcr_orphans_pending(const struct fcr_orphans *o) {
        return o->n > 0 || o->list_head != 0 || o->present;
}

const char *fcr_orphan_action_str(enum fcr_orphan_action a) {
        switch (a) {
        case FCR_ORPHAN_DELETE: return "delete";
        case FCR_ORPHAN_TRUNCATE: return "truncate";
        case FCR_ORPHAN_UNLIST: return "unlist";
        }
        return "unknown";
}

void fcr_orphans_done(struct fcr_orphans *o) {
        free(o->v);
        free(o->blocks);
        *o = (struct fcr_orphans) {};
}

/* Leaving the orphans alone is a finding, not a failure. */
static int skip(struct fcr_orphans *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int skip(struct fcr_orphans *o, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(o->skipped, sizeof(o->skipped), fmt, ap);
        va_end(ap);
        o->n = 0;
        o->nr_blocks = 0;
        return 0;
}

/* The list stops at a damaged entry; what came before it stays. */
static int list_damaged(struct fcr_orphans *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int list_damaged(struct fcr_orphans *o, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(o->list_damage, sizeof(o->list_damage), fmt, ap);
        va_end(ap);
        return 0;
}

/* The orphan file cannot be read: the kernel does not mount it. */
static int refuse(struct fcr_orphans *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct fcr_orphans *o, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(o->refused, sizeof(o->refused), fmt, ap);
        va_end(ap);
        o->nr_blocks = 0;
        return 0;
}

/* Blocks only exist for these; a fast symlink keeps its target in i_block. */
static bool truncatable(ext2_filsys fs, struct ext2_inode *inode) {
        if (!LINUX_S_ISREG(inode->i_mode) && !LINUX_S_ISDIR(inode->i_mode) && !LINUX_S_ISLNK(inode->i_mode))
                return false;
        return (inode->i_flags & EXT4_INLINE_DATA_FL) || ext2fs_inode_has_valid_blocks2(fs, inode);
}

struct walk {
        ext2_filsys fs;
        bool (*in_use)(void *userdata, uint32_t ino);
        void *userdata;
        ext2fs_inode_bitmap seen;
        struct fcr_orphans *o;
};

/* Checks the kernel makes before it trusts an orphan (ext4_orphan_get):
 * a normal inode number, in use.  0 and the inode, or 1: damaged. */
static int take(struct walk *w, uint32_t ino, bool in_file, struct ext2_inode *inode) {
        ext2_filsys fs = w->fs;
        struct fcr_orphan *p;
        errcode_t e;

        if (ino < EXT2_FIRST_INO(fs->super) || ino > fs->super->s_inodes_count)
                return in_file ? skip(w->o, "the orphan file names inode %u, which cannot be an orphan", ino) + 1 :
                                 list_damaged(w->o, "it names inode %u, which cannot be an orphan", ino) + 1;
        if (ext2fs_fast_test_inode_bitmap2(w->seen, ino)) {
                if (in_file)
                        return 2;       /* listed twice: one cleanup is enough */
                return list_damaged(w->o, "it loops at inode %u", ino) + 1;
        }
        e = ext2fs_read_inode(fs, ino, inode);
        if (e)
                return -EIO;
        if (inode->i_mode == 0 || (w->in_use && !w->in_use(w->userdata, ino)))
                return in_file ? skip(w->o, "the orphan file names inode %u, which is not in use", ino) + 1 :
                                 list_damaged(w->o, "it names inode %u, which is not in use", ino) + 1;
        ext2fs_fast_mark_inode_bitmap2(w->seen, ino);
        p = FCR_PUSH(w->o->v, w->o->n, w->o->cap);
        if (!p)
                return -ENOMEM;
        *p = (struct fcr_orphan) {
                .ino = ino, .in_file = in_file, .size = EXT2_I_SIZE(inode), .links = inode->i_links_count,
                .action = inode->i_links_count == 0 ? FCR_ORPHAN_DELETE :
                          truncatable(fs, inode) ? FCR_ORPHAN_TRUNCATE : FCR_ORPHAN_UNLIST,
        };
        return 0;
}

static int walk_list(struct walk *w) {
        struct ext2_inode inode;

        for (uint32_t ino = w->o->list_head; ino; ino = inode.i_dtime) {
                int r = take(w, ino, false, &inode);

                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return 0;
}

/* ext2fs_orphan_file_block_csum_verify() (e2fsprogs 1.47) compares the
 * stored checksum in host order with one in disk order, and so fails
 * every block on a big-endian host: compare both in disk order. */
static bool orphan_block_csum_ok(ext2_filsys fs, uint32_t ino, const struct ext2_inode *inode, blk64_t pblk,
                                 char *buf) {
        const struct ext4_orphan_block_tail *tail = ext2fs_orphan_block_tail(fs, buf);

        return !ext2fs_has_feature_metadata_csum(fs->super) ||
               tail->ob_checksum == ext2fs_do_orphan_file_block_csum(fs, ino, inode->i_generation, pblk, buf);
}

static int read_orphan_file(struct walk *w) {
        ext2_filsys fs = w->fs;
        uint32_t ino = fs->super->s_orphan_file_inum;
        int per = ext2fs_inodes_per_orphan_block(fs);
        _cleanup_free_ char *buf = malloc(fs->blocksize);
        struct ext2_inode inode;
        uint64_t nblocks;

        if (!buf)
                return -ENOMEM;
        if (ino == 0 || ino > fs->super->s_inodes_count || ext2fs_read_inode(fs, ino, &inode) != 0 ||
            !LINUX_S_ISREG(inode.i_mode))
                return refuse(w->o, "the orphan file (inode %u) is not a regular file", ino);
        w->o->file_ino = ino;
        nblocks = EXT2_I_SIZE(&inode) / fs->blocksize;
        for (uint64_t lblk = 0; lblk < nblocks; lblk++) {
                blk64_t pblk = 0;
                bool used = false;

                if (ext2fs_bmap2(fs, ino, &inode, NULL, 0, lblk, NULL, &pblk) || pblk == 0 ||
                    pblk >= ext2fs_blocks_count(fs->super))
                        return refuse(w->o, "orphan file block %llu is not mapped", (unsigned long long) lblk);
                if (io_channel_read_blk64(fs->io, pblk, 1, buf))
                        return -EIO;
                if (get_le32(ext2fs_orphan_block_tail(fs, buf)) != EXT4_ORPHAN_BLOCK_MAGIC ||
                    !orphan_block_csum_ok(fs, ino, &inode, pblk, buf))
                        return refuse(w->o, "orphan file block %llu has a bad magic or checksum",
                                    (unsigned long long) lblk);
                for (int i = 0; i < per; i++) {
                        uint32_t entry = get_le32(buf + 4 * i);
                        struct ext2_inode oi;
                        int r;

                        if (!entry)
                                continue;
                        used = true;
                        r = take(w, entry, true, &oi);
                        if (r < 0 || r == 1)
                                return r < 0 ? r : 0;
                }
                if (used) {
                        struct fcr_orphan_block *b = FCR_PUSH(w->o->blocks, w->o->nr_blocks, w->o->cap_blocks);

                        if (!b)
                                return -ENOMEM;
                        *b = (struct fcr_orphan_block) { .lblk = lblk, .pblk = pblk };
                }
        }
        return 0;
}

int fcr_orphans_find(ext2_filsys fs, bool errors, bool (*in_use)(void *userdata, uint32_t ino),
                     void *userdata, struct fcr_orphans *ret) {
        struct walk w = { .fs = fs, .in_use = in_use, .userdata = userdata, .o = ret };
        errcode_t e;
        int r;

        fcr_orphans_done(ret);
        ret->list_head = fs->super->s_last_orphan;
        ret->present = ext2fs_has_feature_orphan_present(fs->super);
        /* The kernel and e2fsck do not trust the orphans of a filesystem
         * with errors: a full check must deal with them. */
        if (errors || (fs->super->s_state & EXT2_ERROR_FS))
                return skip(ret, "the filesystem has errors; orphans are left to e2fsck, as the kernel leaves them");
        e = ext2fs_allocate_inode_bitmap(fs, "orphans seen", &w.seen);
        if (e)
                return -ENOMEM;
        r = walk_list(&w);
        /* After a damaged list the kernel goes on with the orphan file. */
        if (r == 0 && !ret->skipped[0] && ext2fs_has_feature_orphan_file(fs->super))
                r = read_orphan_file(&w);
        ext2fs_free_inode_bitmap(w.seen);
        return r;
}

/* ext4_truncate() also zeroes the last block past i_size
 * (ext4_block_truncate_page): a crash in the middle of a truncate can
 * leave the old bytes there, and a later extension would show them.  A
 * hole or an unwritten extent reads as zeros already. */
static int zero_tail(struct fcr_replay *r, uint32_t ino, uint64_t size) {
        ext2_filsys fs = r->fs;
        unsigned off = size % fs->blocksize;
        _cleanup_free_ char *buf = NULL;
        struct ext2_inode inode;
        blk64_t pblk = 0;
        int flags = 0;
        errcode_t e;

        if (off == 0)
                return 0;
        e = ext2fs_read_inode(fs, ino, &inode);
        if (e || !LINUX_S_ISREG(inode.i_mode) || (inode.i_flags & EXT4_INLINE_DATA_FL) ||
            !ext2fs_inode_has_valid_blocks2(fs, &inode))
                return e ? fcr_errcode_to_errno(e) : 0;
        e = ext2fs_bmap2(fs, ino, &inode, NULL, 0, size / fs->blocksize, &flags, &pblk);
        if (e || pblk == 0 || (flags & BMAP_RET_UNINIT))
                return e ? fcr_errcode_to_errno(e) : 0;
        buf = malloc(fs->blocksize);
        if (!buf)
                return -ENOMEM;
        e = io_channel_read_blk64(fs->io, pblk, 1, buf);
        if (e)
                return fcr_errcode_to_errno(e);
        if (fcr_is_zero(buf + off, fs->blocksize - off))
                return 0;
        memset(buf + off, 0, fs->blocksize - off);
        fcr_replay_note(r, "ino %u: block %llu zeroed past i_size", ino, (unsigned long long) pblk);
        return fcr_errcode_to_errno(io_channel_write_blk64(fs->io, pblk, 1, buf));
}

/* Linked: off the list (its i_dtime is the list's link), then blocks
 * past i_size go and the last one is zeroed past it, as ext4_truncate()
 * does. */
static int truncate_orphan(struct fcr_replay *r, struct fcr_orphan *p) {
        struct ext2_inode inode;
        struct ino_state *s;
        size_t before = r->nr_blocks_freed;
        uint64_t bs = r->fs->blocksize;
        errcode_t e;
        int ret;

        e = ext2fs_read_inode(r->fs, p->ino, &inode);
        if (!e && inode.i_dtime) {
                inode.i_dtime = 0;
                e = ext2fs_write_inode(r->fs, p->ino, &inode);
        }
        if (!e && p->action == FCR_ORPHAN_TRUNCATE) {
                s = fcr_replay_inode(r, p->ino);
                if (!s)
                        return -ENOMEM;
                s->flags |= INO_MODIFIED;
                e = ext2fs_punch(r->fs, p->ino, NULL, NULL, (p->size + bs - 1) / bs, ~0ULL);
        }
        if (e) {
                const char *why;

                ret = fcr_alloc_host_reason(r, e, &why);
                return fcr_fail(r->d, ret, "cannot truncate orphan inode %u: %s", p->ino, why);
        }
        ret = zero_tail(r, p->ino, p->size);
        if (ret < 0)
                return fcr_fail(r->d, ret, "cannot zero the last block of orphan inode %u: %s", p->ino,
                                strerror(-ret));
        p->blocks_freed = r->nr_blocks_freed - before;
        if (p->action == FCR_ORPHAN_TRUNCATE)
                fcr_replay_note(r, "ino %u (%u links): truncated to %llu bytes, %zu blocks freed", p->ino, p->links,
                                (unsigned long long) p->size, p->blocks_freed);
        else
                fcr_replay_note(r, "ino %u (%u links): taken off the list, nothing to truncate", p->ino, p->links);
        return 0;
}

/* Emptied blocks keep their tail (magic and checksum). */
static int empty_orphan_file(struct fcr_replay *r, const struct fcr_orphans *o) {
        ext2_filsys fs = r->fs;
        _cleanup_free_ char *buf = malloc(fs->blocksize);
        errcode_t e = 0;

        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < o->nr_blocks && !e; i++) {
                e = io_channel_read_blk64(fs->io, o->blocks[i].pblk, 1, buf);
                if (e)
                        break;
                memset(buf, 0, (size_t) ext2fs_inodes_per_orphan_block(fs) * 4);
                e = ext2fs_orphan_file_block_csum_set(fs, o->file_ino, o->blocks[i].pblk, buf);
                if (!e)
                        e = io_channel_write_blk64(fs->io, o->blocks[i].pblk, 1, buf);
        }
        if (e)
                return fcr_fail(r->d, fcr_errcode_to_errno(e), "cannot empty the orphan file: %s", error_message(e));
        return 0;
}

/* The kernel's orphan cleanup runs with quotas on and updates usage. */
static bool has_quota(const struct ext2_super_block *sb) {
        return (sb->s_feature_ro_compat & EXT4_FEATURE_RO_COMPAT_QUOTA) || sb->s_usr_quota_inum ||
               sb->s_grp_quota_inum || sb->s_prj_quota_inum;
}

static bool replay_in_use(void *userdata, uint32_t ino) {
        return fcr_replay_inode_was_in_use(userdata, ino);
}

int fcr_orphans_release(struct fcr_replay *r, bool errors, struct fcr_orphans *o) {
        int ret;

        ret = fcr_orphans_find(r->fs, errors, replay_in_use, r, o);
        if (ret < 0)
                return fcr_fail(r->d, ret, "cannot read the orphan inodes: %s", strerror(-ret));
        if (o->refused[0])
                return fcr_fail(r->d, -EUCLEAN, "%s: the kernel does not mount a filesystem whose orphan file "
                                "it cannot read; run e2fsck -f", o->refused);
        if (o->skipped[0] || !fcr_orphans_pending(o))
                return 0;
        if (has_quota(r->fs->super))
                return skip(o, "orphans left for the kernel's mount: fcreplay does not update quota files");
        for (size_t i = 0; i < o->n; i++) {
                struct fcr_orphan *p = &o->v[i];

                fcr_replay_note_head(r, "[orphan] %s:", p->in_file ? "orphan file" : "list");
                if (p->action == FCR_ORPHAN_DELETE) {
                        struct ino_state *s = fcr_replay_inode(r, p->ino);

                        if (!s)
                                return -ENOMEM;
                        /* The finish step deletes what has no links left. */
                        s->flags |= INO_LINKS;
                        fcr_replay_note(r, "ino %u: no links, to be deleted", p->ino);
                        continue;
                }
                ret = truncate_orphan(r, p);
                if (ret < 0)
                        return ret;
        }
        ret = empty_orphan_file(r, o);
        if (ret < 0)
                return ret;
        r->fs->super->s_last_orphan = 0;
        ext2fs_clear_feature_orphan_present(r->fs->super);
        /* The kernel's ext4_orphan_get() calls ext4_error() on a damaged
         * entry: the next boot's fsck must check the whole filesystem. */
        if (o->list_damage[0])
                r->fs->super->s_state |= EXT2_ERROR_FS;
        ext2fs_mark_super_dirty(r->fs);
        fcr_replay_note_head(r, "[orphan] done:");
        fcr_replay_note(r, "%zu orphan(s); list emptied, %zu orphan-file block(s) emptied%s", o->n, o->nr_blocks,
                        o->present ? ", orphan_present cleared" : "");
        if (o->list_damage[0])
                fcr_replay_note(r, "the list is damaged (%s): the orphans after it are left to e2fsck, "
                                "the filesystem is marked with errors", o->list_damage);
        o->released = true;
        return 0;
}
