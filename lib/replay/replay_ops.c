/* The services tag plugins replay through (struct fcr_replay_ops).  Each
 * follows the kernel's replay semantics and records what it changed; the
 * log records results, so every service is idempotent. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>
#include <fcreplay/bytes.h>
#include "fastcommit/fc_format.h"
#include "io/journal_io.h"
#include "replay.h"

#define EXT4_INODE_I_BLOCK      0x28
#define EXT4_INODE_GENERATION   0x64
#define EXT4_I_BLOCK_SIZE       60

static struct fcr_replay *R(struct fcr_replay_ctx *c) {
        return c->engine;
}

static int fail_e2(struct fcr_replay *r, errcode_t e, const char *what, uint32_t ino) {
        return fcr_fail(r->d, fcr_errcode_to_errno(e), "%s of inode %u failed: %s", what, ino, error_message(e));
}

static bool valid_ino(struct fcr_replay *r, uint32_t ino) {
        return ino >= EXT2_ROOT_INO && ino <= r->geom.inodes_count;
}

/* An inode the replay may work on: allocated and with a mode.  The
 * kernel skips tags for inodes it cannot load; so do we, with a note. */
static int load_live(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode) {
        errcode_t e;

        if (!valid_ino(r, ino)) {
                fcr_replay_note(r, "ino %u does not exist, skipped", ino);
                return 0;
        }
        e = ext2fs_read_inode(r->fs, ino, inode);
        if (e)
                return fail_e2(r, e, "reading", ino);
        if (inode->i_mode == 0 || inode->i_links_count == 0) {
                fcr_replay_note(r, "ino %u is not in use, skipped", ino);
                return 0;
        }
        return 1;
}

static void init_extent_root(uint8_t *i_block) {
        /* An empty extent tree in the inode: magic, no entries, room for
         * four, depth zero. */
        memset(i_block, 0, EXT4_I_BLOCK_SIZE);
        i_block[0] = 0x0A;
        i_block[1] = 0xF3;
        i_block[4] = 4;
}

static bool is_inode_slot_fresh(struct fcr_replay *r, uint32_t ino) {
        uint32_t g = (ino - 1) / r->geom.inodes_per_group, idx = (ino - 1) % r->geom.inodes_per_group;

        if (!ext2fs_has_group_desc_csum(r->fs))
                return false;
        /* Never-initialised inode table slots hold no inode, whatever
         * their bytes say. */
        return ext2fs_bg_flags_test(r->fs, g, EXT2_BG_INODE_UNINIT) ||
               idx >= r->geom.inodes_per_group - ext2fs_bg_itable_unused(r->fs, g);
}

static int free_mapping(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode);

/* Inodes whose i_block is data rather than a block mapping. */
static bool logged_i_block(struct fcr_replay *r, struct ext2_inode *inode) {
        uint16_t fmt = inode->i_mode & LINUX_S_IFMT;

        if (inode->i_flags & EXT4_INLINE_DATA_FL)
                return true;
        if (inode->i_flags & EXT4_EXTENTS_FL)
                return false;
        if (fmt == LINUX_S_IFLNK)
                return ext2fs_inode_data_blocks2(r->fs, inode) == 0;
        return fmt == LINUX_S_IFCHR || fmt == LINUX_S_IFBLK || fmt == LINUX_S_IFIFO || fmt == LINUX_S_IFSOCK;
}

static int op_inode_replay(struct fcr_replay_ctx *c, uint32_t ino, const uint8_t *raw, uint32_t raw_len) {
        struct fcr_replay *r = R(c);
        uint32_t isz = r->geom.inode_size;
        uint8_t *cur = calloc(1, isz), *neu = NULL;
        struct ino_state *s;
        struct ext2_inode *ci, *ni;
        bool cur_live, same_file;
        errcode_t e;
        int ret = 0;

        if (!cur)
                return -ENOMEM;
        if (!valid_ino(r, ino) || raw_len > isz || raw_len < EXT4_INODE_GENERATION) {
                ret = fcr_fail(r->d, -EUCLEAN, "INODE tag for inode %u (%u bytes) does not fit the filesystem",
                               ino, raw_len);
                goto out;
        }
        s = fcr_replay_inode(r, ino);
        if (!s) {
                ret = -ENOMEM;
                goto out;
        }
        /* Once this replay wrote the slot, its bytes are ours to trust. */
        if ((s->flags & INO_USED) || !is_inode_slot_fresh(r, ino)) {
                e = ext2fs_read_inode_full(r->fs, ino, (struct ext2_inode *) cur, isz);
                if (e) {
                        ret = fail_e2(r, e, "reading", ino);
                        goto out;
                }
        }
        neu = malloc(isz);
        if (!neu) {
                ret = -ENOMEM;
                goto out;
        }
        /* The logged bytes, except i_block, over what the disk has beyond. */
        memcpy(neu, cur, isz);
        memcpy(neu, raw, EXT4_INODE_I_BLOCK);
        memcpy(neu + EXT4_INODE_GENERATION, raw + EXT4_INODE_GENERATION, raw_len - EXT4_INODE_GENERATION);
        ci = (struct ext2_inode *) cur;
        ni = (struct ext2_inode *) neu;
        /* The slot holds a file whose blocks are accounted for: in use
         * before replay or made so by it.  Its link count does not
         * matter: an UNLINK earlier in the log leaves a 0-link inode
         * whose blocks the kernel frees at once on eviction. */
        cur_live = (s->was_used || (s->flags & INO_USED)) && ci->i_mode != 0;
        same_file = cur_live && ci->i_generation == ni->i_generation;

        /* The slot held another file (its last name went earlier in the
         * log, and the kernel would have freed it then): free its blocks,
         * whatever the new file keeps in i_block. */
        if (cur_live && !same_file) {
                ret = free_mapping(r, ino, ci);
                if (ret < 0)
                        goto out;
        }
        if (logged_i_block(r, ni)) {
                /* Inline data, a fast symlink's target, a device number:
                 * i_block holds data, and the log has the truth. */
                memcpy(neu + EXT4_INODE_I_BLOCK, raw + EXT4_INODE_I_BLOCK, EXT4_I_BLOCK_SIZE);
        } else if (ni->i_flags & EXT4_EXTENTS_FL) {
                /* The mapping is the disk's, changed by the ranges the log
                 * carries; a new file starts with an empty tree. */
                bool has_root = (ci->i_flags & EXT4_EXTENTS_FL) && cur[EXT4_INODE_I_BLOCK] == 0x0A &&
                                cur[EXT4_INODE_I_BLOCK + 1] == 0xF3;

                if (!same_file || !has_root)
                        init_extent_root(neu + EXT4_INODE_I_BLOCK);
        }
        e = ext2fs_write_inode_full(r->fs, ino, ni, isz);
        if (e) {
                ret = fail_e2(r, e, "writing", ino);
                goto out;
        }
        s->flags |= INO_MODIFIED | INO_USED | INO_LINKS;
        s->flags &= ~INO_REMOVED_DIR;
        fcr_replay_note(r, "ino %u: mode 0%o, links %u, size %llu%s", ino, ni->i_mode, ni->i_links_count,
                        (unsigned long long) EXT2_I_SIZE(ni), same_file || !cur_live ? "" : " (slot reused)");
out:
        free(cur);
        free(neu);
        return ret;
}

struct free_ctx {
        struct fcr_replay *r;
};

static int free_one(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt, blk64_t ref_blk,
                    int ref_offset, void *priv) {
        struct free_ctx *f = priv;

        fcr_replay_event(f->r, *blocknr, false);
        f->r->nr_blocks_freed++;
        return 0;
}

static int free_mapping(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode) {
        struct free_ctx f = { .r = r };
        errcode_t e;

        if ((inode->i_flags & EXT4_INLINE_DATA_FL) || !ext2fs_inode_has_valid_blocks2(r->fs, inode))
                return 0;
        e = ext2fs_block_iterate3(r->fs, ino, BLOCK_FLAG_READ_ONLY, NULL, free_one, &f);
        return e ? fail_e2(r, e, "freeing the blocks", ino) : 0;
}

static int op_map_range(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len,
                        uint64_t pblk, bool unwritten) {
        struct fcr_replay *r = R(c);
        struct ext2_inode inode;
        ext2_extent_handle_t h = NULL;
        unsigned added = 0, remapped = 0, converted = 0;
        struct ino_state *s;
        errcode_t e = 0;
        int ret;

        ret = load_live(r, ino, &inode);
        if (ret <= 0)
                return ret;
        if (!(inode.i_flags & EXT4_EXTENTS_FL) || (inode.i_flags & EXT4_INLINE_DATA_FL)) {
                fcr_replay_note(r, "ino %u has no extent tree, skipped", ino);
                return 0;
        }
        if (pblk + len > r->geom.blocks_count || pblk < r->geom.first_data_block)
                return fcr_fail(r->d, -EUCLEAN, "ADD_RANGE maps inode %u to blocks %llu..+%u, outside the filesystem",
                                ino, (unsigned long long) pblk, len);
        s = fcr_replay_inode(r, ino);
        if (!s)
                return -ENOMEM;
        s->flags |= INO_MODIFIED;
        e = ext2fs_extent_open2(r->fs, ino, &inode, &h);
        if (e)
                return fail_e2(r, e, "opening the extent tree", ino);
        for (uint32_t i = 0; i < len; i++) {
                blk64_t old = 0;
                int flags = 0;

                e = ext2fs_bmap2(r->fs, ino, &inode, NULL, 0, lblk + i, &flags, &old);
                if (e)
                        break;
                if (old == pblk + i && !!(flags & BMAP_RET_UNINIT) == unwritten)
                        continue;
                if (old && old != pblk + i) {
                        fcr_replay_event(r, old, false);
                        r->nr_blocks_freed++;
                        remapped++;
                } else if (old)
                        converted++;
                else
                        added++;
                e = ext2fs_extent_set_bmap(h, lblk + i, pblk + i, unwritten ? EXT2_EXTENT_SET_BMAP_UNINIT : 0);
                if (e)
                        break;
                /* set_bmap may have rewritten the root in the inode. */
                e = ext2fs_read_inode(r->fs, ino, &inode);
                if (e)
                        break;
        }
        ext2fs_extent_free(h);
        if (e)
                return fail_e2(r, e, "mapping blocks", ino);
        fcr_replay_note(r, "ino %u: blocks %u..%u -> %llu..%llu%s (%u new, %u remapped, %u state changed)", ino,
                        lblk, lblk + len - 1, (unsigned long long) pblk, (unsigned long long) (pblk + len - 1),
                        unwritten ? " unwritten" : "", added, remapped, converted);
        return 0;
}

/* libext2fs before 1.47.3 (upstream commit 509da989) refuses to punch a
 * run of blocks that ends at the filesystem's last block ("Illegal block
 * number").  If [lblk, end] maps that block, unmap it here first, so that
 * ext2fs_punch never frees a run that reaches it. */
static errcode_t unmap_last_fs_block(struct fcr_replay *r, uint32_t ino, struct ext2_inode *inode, uint64_t lblk,
                                     uint64_t end) {
        ext2_extent_handle_t h;
        struct ext2fs_extent ex;
        uint64_t last = r->geom.blocks_count - 1, l = 0;
        bool found = false;
        errcode_t e;

        e = ext2fs_extent_open2(r->fs, ino, inode, &h);
        if (e)
                return e;
        for (e = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &ex); !e; e = ext2fs_extent_get(h, EXT2_EXTENT_NEXT_LEAF, &ex)) {
                if (!(ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) || ex.e_len == 0)
                        continue;
                l = ex.e_lblk + ex.e_len - 1;
                if (ex.e_pblk + ex.e_len - 1 == last && l >= lblk && l <= end) {
                        found = true;
                        break;
                }
        }
        if (e == EXT2_ET_EXTENT_NO_NEXT || e == EXT2_ET_EXTENT_NO_DOWN)
                e = 0;
        if (!e && found) {
                e = ext2fs_extent_set_bmap(h, l, 0, 0);
                if (!e)
                        ext2fs_block_alloc_stats2(r->fs, last, -1);
        }
        ext2fs_extent_free(h);
        /* set_bmap may have rewritten the root in the inode. */
        if (!e && found)
                e = ext2fs_read_inode(r->fs, ino, inode);
        return e;
}

static int op_unmap_range(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len) {
        struct fcr_replay *r = R(c);
        struct ext2_inode inode;
        struct ino_state *s;
        uint64_t end;
        errcode_t e;
        int ret;

        ret = load_live(r, ino, &inode);
        if (ret <= 0)
                return ret;
        if (inode.i_flags & EXT4_INLINE_DATA_FL) {
                fcr_replay_note(r, "ino %u has inline data, skipped", ino);
                return 0;
        }
        if (len == 0)
                return 0;
        s = fcr_replay_inode(r, ino);
        if (!s)
                return -ENOMEM;
        s->flags |= INO_MODIFIED;
        end = (uint64_t) lblk + len - 1;
        e = inode.i_flags & EXT4_EXTENTS_FL ? unmap_last_fs_block(r, ino, &inode, lblk, end) : 0;
        if (!e)
                e = ext2fs_punch(r->fs, ino, &inode, NULL, lblk, end);
        if (e)
                return fail_e2(r, e, "unmapping blocks", ino);
        fcr_replay_note(r, "ino %u: blocks %u..%llu unmapped", ino, lblk, (unsigned long long) end);
        return 0;
}

static int name_of(struct fcr_replay *r, const char *name, unsigned len, char out[EXT2_NAME_LEN + 1]) {
        if (!fcr_dentry_name_valid(name, len))
                return fcr_fail(r->d, -EUCLEAN, "directory entry name of %u bytes is not valid", len);
        memcpy(out, name, len);
        out[len] = '\0';
        return 0;
}

/* '.' and '..' for a directory created by the log. */
static int init_dir(struct fcr_replay *r, uint32_t parent, uint32_t ino, struct ext2_inode *inode) {
        char *block = NULL;
        blk64_t blk = 0, phys = 0;
        errcode_t e;

        if (inode->i_flags & EXT4_INLINE_DATA_FL) {
                /* An inline directory starts with its parent's number. */
                uint32_t cur = inode->i_block[0];

                if (cur == parent)
                        return 0;
                inode->i_block[0] = parent;
                e = ext2fs_write_inode(r->fs, ino, inode);
                return e ? fail_e2(r, e, "initialising inline directory", ino) : 0;
        }
        e = ext2fs_bmap2(r->fs, ino, inode, NULL, 0, 0, NULL, &phys);
        if (e)
                return fail_e2(r, e, "mapping directory block 0", ino);
        if (phys)
                return 0;       /* already has its first block */
        e = ext2fs_new_dir_block(r->fs, ino, parent, &block);
        if (!e)
                e = ext2fs_new_block2(r->fs, ext2fs_find_inode_goal(r->fs, ino, inode, 0), NULL, &blk);
        if (!e)
                e = ext2fs_write_dir_block4(r->fs, blk, block, 0, ino);
        if (!e) {
                ext2fs_block_alloc_stats2(r->fs, blk, +1);
                e = ext2fs_bmap2(r->fs, ino, inode, NULL, BMAP_SET, 0, NULL, &blk);
        }
        if (!e)
                e = ext2fs_read_inode(r->fs, ino, inode);
        if (!e && EXT2_I_SIZE(inode) < r->fs->blocksize) {
                inode->i_size = r->fs->blocksize;
                e = ext2fs_write_inode(r->fs, ino, inode);
        }
        ext2fs_free_mem(&block);
        if (e)
                return fail_e2(r, e, "creating '.' and '..'", ino);
        fcr_replay_note(r, "dir %u: '.' and '..' in block %llu", ino, (unsigned long long) blk);
        return 0;
}

static int dirent_type(uint16_t mode) {
        switch (mode & LINUX_S_IFMT) {
        case LINUX_S_IFREG: return EXT2_FT_REG_FILE;
        case LINUX_S_IFDIR: return EXT2_FT_DIR;
        case LINUX_S_IFCHR: return EXT2_FT_CHRDEV;
        case LINUX_S_IFBLK: return EXT2_FT_BLKDEV;
        case LINUX_S_IFIFO: return EXT2_FT_FIFO;
        case LINUX_S_IFSOCK: return EXT2_FT_SOCK;
        case LINUX_S_IFLNK: return EXT2_FT_SYMLINK;
        }
        return EXT2_FT_UNKNOWN;
}

/* Exported by libext2fs (since 1.43) but declared only in its private
 * header: moves an inline directory out to a block of its own. */
errcode_t ext2fs_inline_data_expand(ext2_filsys fs, ext2_ino_t ino);

/* ext2fs_expand_dir() insists on a loaded block bitmap, which replay
 * never loads (it reads only the groups it touches): add one empty block
 * to the directory through the allocator hook instead. */
static errcode_t expand_dir(ext2_filsys fs, ext2_ino_t dir) {
        struct ext2_inode inode;
        blk64_t lblk, pblk = 0, prev = 0;
        bool fresh = true;
        char *block = NULL;
        errcode_t e;

        e = ext2fs_read_inode(fs, dir, &inode);
        if (e)
                return e;
        if (inode.i_flags & EXT4_INLINE_DATA_FL)
                return ext2fs_inline_data_expand(fs, dir);
        lblk = EXT2_I_SIZE(&inode) / fs->blocksize;
        /* With bigalloc the cluster of the last block may have room. */
        if (lblk > 0 && !ext2fs_bmap2(fs, dir, &inode, NULL, 0, lblk - 1, NULL, &prev) && prev &&
            EXT2FS_B2C(fs, prev) == EXT2FS_B2C(fs, prev + 1)) {
                pblk = prev + 1;
                fresh = false;
        } else {
                e = ext2fs_new_block2(fs, ext2fs_find_inode_goal(fs, dir, &inode, lblk), NULL, &pblk);
                if (e)
                        return e;
                ext2fs_block_alloc_stats2(fs, pblk, +1);
        }
        e = ext2fs_new_dir_block(fs, 0, 0, &block);
        if (!e)
                e = ext2fs_write_dir_block4(fs, pblk, block, 0, dir);
        ext2fs_free_mem(&block);
        if (!e)
                e = ext2fs_bmap2(fs, dir, &inode, NULL, BMAP_SET, lblk, NULL, &pblk);
        /* bmap may have grown the extent tree and written the inode. */
        if (!e)
                e = ext2fs_read_inode(fs, dir, &inode);
        if (!e)
                e = ext2fs_inode_size_set(fs, &inode, EXT2_I_SIZE(&inode) + fs->blocksize);
        if (e)
                return e;
        if (fresh)
                ext2fs_iblk_add_blocks(fs, &inode, 1);
        return ext2fs_write_inode(fs, dir, &inode);
}

/* One name more or less for a non-directory (never below zero). */
static int add_link(struct fcr_replay *r, uint32_t ino, int delta, struct ino_state *s) {
        struct ext2_inode inode;
        errcode_t e = ext2fs_read_inode(r->fs, ino, &inode);

        if (!e && delta < 0 && inode.i_links_count == 0)
                return 0;
        if (!e) {
                inode.i_links_count += delta;
                e = ext2fs_write_inode(r->fs, ino, &inode);
        }
        if (e)
                return fail_e2(r, e, "counting a link", ino);
        s->flags |= INO_LINKS;
        return 0;
}

static int op_add_entry(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino, const char *name,
                        unsigned name_len, bool create) {
        struct fcr_replay *r = R(c);
        char nm[EXT2_NAME_LEN + 1];
        struct ext2_inode inode, dir;
        struct ino_state *s, *ps;
        ext2_ino_t found = 0;
        errcode_t e;
        int ret;

        ret = name_of(r, name, name_len, nm);
        if (ret < 0)
                return ret;
        if (!valid_ino(r, ino)) {
                fcr_replay_note(r, "ino %u does not exist, skipped", ino);
                return 0;
        }
        s = fcr_replay_inode(r, ino);
        if (!s)
                return -ENOMEM;
        if (create)
                s->flags |= INO_USED;
        e = ext2fs_read_inode(r->fs, ino, &inode);
        if (e)
                return fail_e2(r, e, "reading", ino);
        if (inode.i_mode == 0) {
                fcr_replay_note(r, "ino %u has no mode, skipped", ino);
                return 0;
        }
        ret = load_live(r, parent, &dir);
        if (ret <= 0)
                return ret;
        if (!LINUX_S_ISDIR(dir.i_mode)) {
                fcr_replay_note(r, "parent %u is not a directory, skipped", parent);
                return 0;
        }
        ps = fcr_replay_inode(r, parent);
        if (!ps)
                return -ENOMEM;
        if (create && LINUX_S_ISDIR(inode.i_mode)) {
                ret = init_dir(r, parent, ino, &inode);
                if (ret < 0)
                        return ret;
                s->flags |= INO_MODIFIED;
        }
        if (LINUX_S_ISDIR(inode.i_mode)) {
                ps->flags |= INO_SUBDIRS;
                s->flags &= ~INO_REMOVED_DIR;
        }
        e = ext2fs_lookup(r->fs, parent, nm, name_len, NULL, &found);
        if (e == 0) {
                fcr_replay_note(r, found == ino ? "'%s' already in dir %u" : "'%s' in dir %u names another inode, kept",
                                nm, parent);
                return 0;
        }
        if (e != EXT2_ET_FILE_NOT_FOUND)
                return fail_e2(r, e, "looking up a name in directory", parent);
        e = ext2fs_link(r->fs, parent, nm, ino, dirent_type(inode.i_mode));
        if (e == EXT2_ET_DIR_NO_SPACE) {
                e = expand_dir(r->fs, parent);
                if (!e)
                        e = ext2fs_link(r->fs, parent, nm, ino, dirent_type(inode.i_mode));
        }
        if (e)
                return fail_e2(r, e, "adding an entry to directory", parent);
        ps->flags |= INO_MODIFIED;
        if (!create && !LINUX_S_ISDIR(inode.i_mode)) {
                /* A new name is a new link; a later INODE tag, if any,
                 * carries the final count anyway. */
                ret = add_link(r, ino, +1, s);
                if (ret < 0)
                        return ret;
        }
        fcr_replay_note(r, "'%s' -> ino %u added to dir %u", nm, ino, parent);
        return 0;
}

static int op_remove_entry(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino, const char *name,
                           unsigned name_len) {
        struct fcr_replay *r = R(c);
        char nm[EXT2_NAME_LEN + 1];
        struct ext2_inode inode, dir;
        struct ino_state *s, *ps;
        errcode_t e;
        int ret;

        ret = name_of(r, name, name_len, nm);
        if (ret < 0)
                return ret;
        ret = load_live(r, parent, &dir);
        if (ret <= 0)
                return ret;
        if (!LINUX_S_ISDIR(dir.i_mode) || !valid_ino(r, ino)) {
                fcr_replay_note(r, "no directory %u or inode %u, skipped", parent, ino);
                return 0;
        }
        e = ext2fs_unlink(r->fs, parent, nm, ino, 0);
        if (e == EXT2_ET_DIR_NO_SPACE) {
                /* libext2fs's way of saying the entry was not there. */
                fcr_replay_note(r, "'%s' already gone from dir %u", nm, parent);
                return 0;
        }
        if (e)
                return fail_e2(r, e, "removing an entry from directory", parent);
        ps = fcr_replay_inode(r, parent);
        s = fcr_replay_inode(r, ino);
        if (!ps || !s)
                return -ENOMEM;
        ps->flags |= INO_MODIFIED;
        e = ext2fs_read_inode(r->fs, ino, &inode);
        if (e)
                return fail_e2(r, e, "reading", ino);
        if (LINUX_S_ISDIR(inode.i_mode)) {
                /* A directory has one name: removing it removes the
                 * directory. */
                s->flags |= INO_REMOVED_DIR;
                ps->flags |= INO_SUBDIRS;
        } else {
                ret = add_link(r, ino, -1, s);
                if (ret < 0)
                        return ret;
        }
        fcr_replay_note(r, "'%s' -> ino %u removed from dir %u", nm, ino, parent);
        return 0;
}

static void op_note(struct fcr_replay_ctx *c, const char *fmt, ...) {
        char line[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fcr_replay_note(R(c), "%s", line);
}

const struct fcr_replay_ops fcr_replay_ops = {
        .inode_replay = op_inode_replay,
        .map_range = op_map_range,
        .unmap_range = op_unmap_range,
        .add_entry = op_add_entry,
        .remove_entry = op_remove_entry,
        .note = op_note,
};
