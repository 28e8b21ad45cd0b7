/* The INODE service: the logged inode over the slot, with the mapping
 * kept from the disk (and freed if the slot held another file). */
#include <stdlib.h>
#include <string.h>
#include "blocks.h"
#include "replay_ops.h"

#define EXT4_INODE_I_BLOCK      0x28
#define EXT4_INODE_GENERATION   0x64
#define EXT4_I_BLOCK_SIZE       60

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

/* The logged inode is in disk (little-endian) order, libext2fs's in host
 * order: the bytes are merged in disk order, the fields read in host
 * order.  to_disk: host to disk order, else the other way. */
static void inode_swap(struct fcr_replay *r, uint8_t *to, uint8_t *from, bool to_disk) {
#ifdef WORDS_BIGENDIAN
        ext2fs_swap_inode_full(r->fs, (struct ext2_inode_large *) to, (struct ext2_inode_large *) from, to_disk,
                               r->geom.inode_size);
#else
        (void) to_disk;
        if (to != from)
                memcpy(to, from, r->geom.inode_size);
#endif
}

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

/* i_block of the new inode neu (host order), from the log or the disk
 * (cur, host order) or a fresh extent root; bytes set in disk order. */
static void set_i_block(struct fcr_replay *r, uint8_t *neu, const uint8_t *cur, const uint8_t *raw, bool same_file) {
        const struct ext2_inode *ci = (const struct ext2_inode *) cur;
        bool logged = logged_i_block(r, (struct ext2_inode *) neu);
        bool extents = ((struct ext2_inode *) neu)->i_flags & EXT4_EXTENTS_FL;

        inode_swap(r, neu, neu, true);
        if (logged) {
                /* Inline data, a fast symlink's target, a device number:
                 * i_block holds data, and the log has the truth. */
                memcpy(neu + EXT4_INODE_I_BLOCK, raw + EXT4_INODE_I_BLOCK, EXT4_I_BLOCK_SIZE);
        } else if (extents) {
                /* The mapping is the disk's, changed by the ranges the log
                 * carries; a new file starts with an empty tree. */
                bool has_root = (ci->i_flags & EXT4_EXTENTS_FL) && cur[EXT4_INODE_I_BLOCK] == 0x0A &&
                                cur[EXT4_INODE_I_BLOCK + 1] == 0xF3;

                if (!same_file || !has_root)
                        init_extent_root(neu + EXT4_INODE_I_BLOCK);
        }
        inode_swap(r, neu, neu, false);
}

int fcr_op_inode_replay(struct fcr_replay_ctx *c, uint32_t ino, const uint8_t *raw, uint32_t raw_len) {
        struct fcr_replay *r = replay_of(c);
        uint32_t isz = r->geom.inode_size;
        uint8_t *cur = calloc(1, isz), *neu = NULL;
        struct ino_state *s;
        struct ext2_inode *ci, *ni;
        bool cur_live, same_file;
        errcode_t e;
        int ret = 0;

        if (!cur)
                return -ENOMEM;
        if (!fcr_replay_valid_ino(r, ino) || raw_len > isz || raw_len < EXT4_INODE_GENERATION) {
                ret = fcr_fail(r->d, -EUCLEAN, "INODE tag for inode %u (%u bytes) does not fit the filesystem",
                               ino, raw_len);
                goto out;
        }
        /* The kernel writes it, then fails the mount: never ours to write. */
        if (fcr_replay_special_ino(r, ino)) {
                ret = fcr_fail(r->d, -EUCLEAN, "INODE tag for inode %u, a reserved inode (the journal, quota, "
                               "the orphan file...): no log holds one", ino);
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
                        ret = fcr_replay_fail_e2(r, e, "reading", ino);
                        goto out;
                }
        }
        neu = malloc(isz);
        if (!neu) {
                ret = -ENOMEM;
                goto out;
        }
        /* The logged bytes, except i_block, over what the disk has beyond
         * (disk order); ni: the result's fields, in host order. */
        inode_swap(r, neu, cur, true);
        memcpy(neu, raw, EXT4_INODE_I_BLOCK);
        memcpy(neu + EXT4_INODE_GENERATION, raw + EXT4_INODE_GENERATION, raw_len - EXT4_INODE_GENERATION);
        inode_swap(r, neu, neu, false);
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
        set_i_block(r, neu, cur, raw, same_file);
        e = ext2fs_write_inode_full(r->fs, ino, ni, isz);
        if (e) {
                ret = fcr_replay_fail_e2(r, e, "writing", ino);
                goto out;
        }
        s->flags |= INO_MODIFIED | INO_USED | INO_LINKS;
        s->flags &= ~INO_DIR_UNLINKED;
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
        return e ? fcr_replay_fail_e2(r, e, "freeing the blocks", ino) : 0;
}

