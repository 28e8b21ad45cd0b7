/* The directory-entry services: names added (with '.' and '..' for a
 * new directory) and removed, and the link counts they change. */
#include <string.h>
#include <fcreplay/bytes.h>
#include "replay_ops.h"

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
                /* An inline directory starts with its parent's number,
                 * little-endian: libext2fs leaves inline data in disk
                 * order, on every host. */
                if (get_le32(&inode->i_block[0]) == parent)
                        return 0;
                put_le32(&inode->i_block[0], parent);
                e = ext2fs_write_inode(r->fs, ino, inode);
                return e ? fcr_replay_fail_e2(r, e, "initialising inline directory", ino) : 0;
        }
        e = ext2fs_bmap2(r->fs, ino, inode, NULL, 0, 0, NULL, &phys);
        if (e)
                return fcr_replay_fail_e2(r, e, "mapping directory block 0", ino);
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
                return fcr_replay_fail_e2(r, e, "creating '.' and '..'", ino);
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
                return fcr_replay_fail_e2(r, e, "counting a link", ino);
        s->flags |= INO_LINKS;
        return 0;
}

/* The inode a name is added for: 1 to go on, 0 skipped (as the kernel
 * skips it), < 0 refused.  CREAT makes the inode the kernel's replay
 * loads next; an inode it cannot load fails the kernel's mount. */
static int entry_inode(struct fcr_replay *r, uint32_t ino, bool create, struct ext2_inode *inode) {
        errcode_t e;

        if (!fcr_replay_valid_ino(r, ino) || (!create && fcr_replay_special_ino(r, ino))) {
                fcr_replay_note(r, "ino %u does not exist or is reserved, skipped", ino);
                return 0;
        }
        if (create && fcr_replay_special_ino(r, ino))
                return fcr_fail(r->d, -EUCLEAN, "CREAT of inode %u, a reserved inode: no log holds one", ino);
        e = ext2fs_read_inode(r->fs, ino, inode);
        if (e)
                return fcr_replay_fail_e2(r, e, "reading", ino);
        if (inode->i_mode == 0 && create)
                return fcr_fail(r->d, -EUCLEAN, "CREAT of inode %u, which no INODE tag before it made: it has "
                                "no mode", ino);
        if (inode->i_mode == 0) {
                fcr_replay_note(r, "ino %u has no mode, skipped", ino);
                return 0;
        }
        return 1;
}

/* A name goes only into a directory: the kernel's replay would write it
 * into whatever the inode holds. */
static int entry_dir(struct fcr_replay *r, uint32_t parent, const char *nm, struct ext2_inode *dir) {
        int ret = fcr_replay_load_live(r, parent, dir);

        if (ret > 0 && !LINUX_S_ISDIR(dir->i_mode))
                return fcr_fail(r->d, -EUCLEAN, "the fast-commit log names inode %u, which is not a directory, as "
                                "the directory of '%s'", parent, nm);
        return ret;
}

int fcr_op_add_entry(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino, const char *name,
                        unsigned name_len, bool create) {
        struct fcr_replay *r = replay_of(c);
        char nm[EXT2_NAME_LEN + 1];
        struct ext2_inode inode, dir;
        struct ino_state *s, *ps;
        ext2_ino_t found = 0;
        errcode_t e;
        int ret;

        ret = name_of(r, name, name_len, nm);
        if (ret >= 0)
                ret = entry_inode(r, ino, create, &inode);
        if (ret > 0)
                ret = entry_dir(r, parent, nm, &dir);
        if (ret <= 0)
                return ret;
        s = fcr_replay_inode(r, ino);
        ps = fcr_replay_inode(r, parent);
        if (!s || !ps)
                return -ENOMEM;
        if (create)
                s->flags |= INO_USED;
        if (create && LINUX_S_ISDIR(inode.i_mode)) {
                ret = init_dir(r, parent, ino, &inode);
                if (ret < 0)
                        return ret;
                s->flags |= INO_MODIFIED;
        }
        if (LINUX_S_ISDIR(inode.i_mode)) {
                ps->flags |= INO_SUBDIRS;
                s->flags &= ~INO_DIR_UNLINKED;
        }
        e = ext2fs_lookup(r->fs, parent, nm, name_len, NULL, &found);
        if (e == 0) {
                fcr_replay_note(r, found == ino ? "'%s' already in dir %u" : "'%s' in dir %u names another inode, kept",
                                nm, parent);
                return 0;
        }
        if (e != EXT2_ET_FILE_NOT_FOUND)
                return fcr_replay_fail_e2(r, e, "looking up a name in directory", parent);
        e = ext2fs_link(r->fs, parent, nm, ino, dirent_type(inode.i_mode));
        if (e == EXT2_ET_DIR_NO_SPACE) {
                e = fcr_dir_grow(r->fs, parent);
                if (!e)
                        e = ext2fs_link(r->fs, parent, nm, ino, dirent_type(inode.i_mode));
        }
        if (e)
                return fcr_replay_fail_e2(r, e, "adding an entry to directory", parent);
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

int fcr_op_remove_entry(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino, const char *name,
                           unsigned name_len) {
        struct fcr_replay *r = replay_of(c);
        char nm[EXT2_NAME_LEN + 1];
        struct ext2_inode inode, dir;
        struct ino_state *s, *ps;
        errcode_t e;
        int ret;

        ret = name_of(r, name, name_len, nm);
        if (ret >= 0)
                ret = entry_dir(r, parent, nm, &dir);
        if (ret <= 0)
                return ret;
        if (!fcr_replay_valid_ino(r, ino) || fcr_replay_special_ino(r, ino)) {
                fcr_replay_note(r, "ino %u does not exist or is reserved, skipped", ino);
                return 0;
        }
        e = ext2fs_unlink(r->fs, parent, nm, ino, 0);
        if (e == EXT2_ET_DIR_NO_SPACE) {
                /* libext2fs's way of saying the entry was not there. */
                fcr_replay_note(r, "'%s' already gone from dir %u", nm, parent);
                return 0;
        }
        if (e)
                return fcr_replay_fail_e2(r, e, "removing an entry from directory", parent);
        ps = fcr_replay_inode(r, parent);
        s = fcr_replay_inode(r, ino);
        if (!ps || !s)
                return -ENOMEM;
        ps->flags |= INO_MODIFIED;
        e = ext2fs_read_inode(r->fs, ino, &inode);
        if (e)
                return fcr_replay_fail_e2(r, e, "reading", ino);
        if (LINUX_S_ISDIR(inode.i_mode)) {
                /* A directory has one name: removing it removes the
                 * directory. */
                s->flags |= INO_DIR_UNLINKED;
                ps->flags |= INO_SUBDIRS;
        } else {
                ret = add_link(r, ino, -1, s);
                if (ret < 0)
                        return ret;
        }
        fcr_replay_note(r, "'%s' -> ino %u removed from dir %u", nm, ino, parent);
        return 0;
}

