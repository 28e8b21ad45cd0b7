/* fcr-craft: write a crafted journal into an ext4 image, to measure and
 * bound what the engine costs on any log, and what it writes.
 *
 *   fcr-craft IMAGE KIND
 *   fcr-craft --list
 *
 * IMAGE is made by make-crafted.sh (mke2fs, and debugfs for the regular
 * file /file).  The log is written in place, s_start and needs_recovery
 * set.  Exit status: 0 written; 1 cannot; 64 usage. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/util.h>
#include "craft.h"

/* The regular file make-crafted.sh creates, looked up by name: its number
 * depends on mke2fs's defaults (12, or 13 where the orphan file, a
 * reserved inode, takes 12, as with e2fsprogs 1.47.1's). */
static uint32_t file_ino;
#define DIR_INO 2
#define JOURNAL_INO 8
#define TAG_ADD_RANGE 1
#define TAG_DEL_RANGE 2
#define TAG_CREAT 3
#define TAG_LINK 4
#define TAG_INODE 6
#define TAG_HEAD 9

static void le32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = v >> (8 * i);
}

static void le16(uint8_t *p, uint16_t v) {
        p[0] = v;
        p[1] = v >> 8;
}

/* --- jbd2 --------------------------------------------------------------- */

/* The log filled with transactions of full descriptors; the logged copies
 * are zeros, homed in free blocks, so that the replay changes nothing. */
static int kind_descriptors(struct craft *c, uint32_t nfc) {
        size_t per = craft_tags_per_descriptor(c), pool_n = 4096, k = 0;
        _cleanup_free_ blk64_t *pool = calloc(pool_n, sizeof(*pool));
        _cleanup_free_ blk64_t *homes = calloc(per, sizeof(*homes));
        _cleanup_free_ const uint8_t **data = calloc(per, sizeof(*data));
        _cleanup_free_ uint8_t *zero = calloc(1, c->bs);
        uint32_t pos = c->first, tid = c->tid;

        if (!pool || !homes || !data || !zero || craft_free_blocks(c, pool, pool_n) != pool_n)
                return -ENOSPC;
        for (size_t i = 0; i < per; i++)
                data[i] = zero;
        for (;; tid++) {
                uint32_t save = pos;

                for (size_t i = 0; i < per; i++)
                        homes[i] = pool[k++ % pool_n];
                if (!craft_descriptor(c, &pos, tid, homes, data, per) || !craft_commit(c, &pos, tid)) {
                        pos = save;
                        break;
                }
        }
        fprintf(stderr, "fcr-craft: %u transactions of %zu blocks, log blocks %u..%u\n", tid - c->tid, per,
                c->first, pos);
        return 0;
}

/* One transaction: a few free blocks logged, then revoke blocks of
 * distinct block numbers to the end of the log, revoking those too. */
static int kind_revokes(struct craft *c, uint32_t nfc) {
        size_t per = craft_records_per_revoke(c), logged = 16, total = 0;
        blk64_t homes[16];
        const uint8_t *data[16];
        _cleanup_free_ uint64_t *rec = calloc(per, sizeof(*rec));
        _cleanup_free_ uint8_t *zero = calloc(1, c->bs);
        uint64_t next = 1;
        uint32_t pos = c->first;

        if (!rec || !zero || craft_free_blocks(c, homes, logged) != logged)
                return -ENOSPC;
        for (size_t i = 0; i < logged; i++)
                data[i] = zero;
        if (!craft_descriptor(c, &pos, c->tid, homes, data, logged))
                return -ENOSPC;
        for (;;) {
                for (size_t i = 0; i < per; i++)
                        rec[i] = total == 0 && i < logged ? homes[i] : next++;
                /* Keep one block for the commit. */
                if (pos + 2 > c->log_end || !craft_revoke(c, &pos, c->tid, rec, per))
                        break;
                total += per;
        }
        fprintf(stderr, "fcr-craft: %zu revoke records in %zu blocks\n", total, total / per);
        return craft_commit(c, &pos, c->tid) ? 0 : -ENOSPC;
}

/* One transaction logging a copy of block home: its current content, or
 * pseudo-random bytes. */
static int log_one(struct craft *c, blk64_t home, bool garbage) {
        uint8_t *buf = malloc(c->bs);
        const uint8_t *data[1] = { buf };
        uint32_t pos = c->first, x = 12345;

        if (!buf || io_channel_read_blk64(c->fs->io, home, 1, buf))
                return -EIO;
        for (unsigned i = 0; garbage && i < c->bs; i++) {
                x = x * 1103515245 + 12345;
                buf[i] = x >> 16;
        }
        if (!craft_descriptor(c, &pos, c->tid, &home, data, 1) || !craft_commit(c, &pos, c->tid))
                return -ENOSPC;
        free(buf);
        return 0;
}

/* The metadata blocks of group 0, as logged copies. */
static int kind_jbd2_meta_copy(struct craft *c, uint32_t nfc) {
        ext2_filsys fs = c->fs;
        blk64_t homes[5] = {
                fs->super->s_first_data_block, fs->super->s_first_data_block + 1, ext2fs_block_bitmap_loc(fs, 0),
                ext2fs_inode_bitmap_loc(fs, 0), ext2fs_inode_table_loc(fs, 0),
        };
        _cleanup_free_ uint8_t *mem = malloc(5 * (size_t) c->bs);
        uint8_t *bufs[5];
        uint32_t pos = c->first;

        if (!mem)
                return -ENOMEM;
        for (int i = 0; i < 5; i++) {
                bufs[i] = mem + (size_t) i * c->bs;
                if (io_channel_read_blk64(fs->io, homes[i], 1, bufs[i]))
                        return -EIO;
        }
        if (!craft_descriptor(c, &pos, c->tid, homes, (const uint8_t *const *) bufs, 5) ||
            !craft_commit(c, &pos, c->tid))
                return -ENOSPC;
        return 0;
}

static int kind_jbd2_sb(struct craft *c, uint32_t nfc) {
        return log_one(c, c->fs->super->s_first_data_block, true);
}

static int kind_jbd2_gdt(struct craft *c, uint32_t nfc) {
        return log_one(c, c->fs->super->s_first_data_block + 1, true);
}

static int kind_jbd2_bitmap(struct craft *c, uint32_t nfc) {
        return log_one(c, ext2fs_block_bitmap_loc(c->fs, 0), true);
}

static int kind_jbd2_itable(struct craft *c, uint32_t nfc) {
        return log_one(c, ext2fs_inode_table_loc(c->fs, 0), true);
}

/* A block of the journal's own log, homed where the log is. */
static int kind_jbd2_journal(struct craft *c, uint32_t nfc) {
        return log_one(c, c->jmap[c->first + 100], false);
}

/* --- fast commits ---------------------------------------------------- */

static int fc_begin(struct craft *c, uint32_t nfc, struct fc_writer *w) {
        uint32_t first, end;
        uint8_t head[8];
        int r;

        craft_fc_area(c, nfc, &first, &end);
        c->log_end = c->maxlen - nfc;
        r = fcw_init(w, c, first, end);
        if (r < 0)
                return r;
        le32(head, 0);
        le32(head + 4, c->tid);
        return fcw_tag(w, TAG_HEAD, head, sizeof(head)) ? 0 : -ENOSPC;
}

static int fc_end(struct fc_writer *w) {
        int r = fcw_flush(w);

        fcw_done(w);
        return r;
}

/* HEAD, then PAD tags to the end of the area: no TAIL, nothing committed. */
static int kind_fc_pad(struct craft *c, uint32_t nfc) {
        struct fc_writer w;
        int r = fc_begin(c, nfc, &w);

        if (r < 0)
                return r;
        fcw_pad_to_end(&w);
        return fc_end(&w);
}

/* The area full of committed tags: one per call of make, a TAIL per
 * block.  The last block's TAIL ends the log. */
typedef uint16_t (*make_fn)(uint8_t *v, uint16_t *len, size_t i);

static int fill_committed(struct craft *c, uint32_t nfc, make_fn make, size_t max) {
        struct fc_writer w;
        uint8_t v[64];
        uint16_t len, tag;
        size_t n = 0;
        int r = fc_begin(c, nfc, &w);

        if (r < 0)
                return r;
        while (n < max) {
                tag = make(v, &len, n);
                /* A TAIL ends each block: it goes first when the tag
                 * would leave it no room. */
                if (w.off + 4 + len + 12 > c->bs) {
                        if (!fcw_tail(&w) || w.full)
                                break;
                        continue;
                }
                if (!fcw_tag(&w, tag, v, len))
                        return -EIO;
                n++;
        }
        if (n == max && !fcw_tail(&w))
                return -ENOSPC;
        fprintf(stderr, "fcr-craft: %zu committed tags in %u blocks\n", n, w.blk);
        return fc_end(&w);
}

static uint16_t make_del_range(uint8_t *v, uint16_t *len, size_t i) {
        le32(v, file_ino);
        le32(v + 4, (uint32_t) i * 2);
        le32(v + 8, 1);
        *len = 12;
        return TAG_DEL_RANGE;
}

/* ADD_RANGE value: le32 ino, then an ext4_extent. */
static void add_range(uint8_t *v, uint32_t ino, uint32_t lblk, uint16_t len, uint64_t pblk, bool unwritten) {
        le32(v, ino);
        le32(v + 4, lblk);
        le16(v + 8, unwritten ? len + 32768 : len);
        le16(v + 10, pblk >> 32);
        le32(v + 12, (uint32_t) pblk);
}

static uint64_t range_pblk;

/* The same unwritten range of RANGE_LEN free blocks, again and again:
 * each tag after the first asks about every block of it again. */
#define RANGE_LEN 16384
static uint16_t make_big_range(uint8_t *v, uint16_t *len, size_t i) {
        add_range(v, file_ino, 0, RANGE_LEN, range_pblk, true);
        *len = 16;
        return TAG_ADD_RANGE;
}

/* One block each, every other block: no two extents merge, the tree
 * only grows. */
static blk64_t *scattered;

static uint16_t make_scattered(uint8_t *v, uint16_t *len, size_t i) {
        add_range(v, file_ino, (uint32_t) i * 2, 1, scattered[i], true);
        *len = 16;
        return TAG_ADD_RANGE;
}

/* FCR_CRAFT_MAX_TAGS: fewer tags than the area holds, to measure the
 * cost of one. */
static size_t max_tags(size_t dflt) {
        const char *s = getenv("FCR_CRAFT_MAX_TAGS");

        return s && *s ? strtoull(s, NULL, 10) : dflt;
}

static int kind_fc_tags(struct craft *c, uint32_t nfc) {
        return fill_committed(c, nfc, make_del_range, max_tags(SIZE_MAX));
}

/* The first free run of n blocks, from the filesystem's end down. */
static int free_run(struct craft *c, blk64_t n, uint64_t *ret) {
        blk64_t end = ext2fs_blocks_count(c->fs->super), run = 0;

        for (blk64_t b = end - 1; b > c->fs->super->s_first_data_block; b--) {
                run = ext2fs_test_block_bitmap2(c->fs->block_map, b) ? 0 : run + 1;
                if (run == n) {
                        *ret = b;
                        return 0;
                }
        }
        return -ENOSPC;
}

static int kind_fc_ranges(struct craft *c, uint32_t nfc) {
        int r = free_run(c, RANGE_LEN, &range_pblk);

        return r < 0 ? r : fill_committed(c, nfc, make_big_range, max_tags(SIZE_MAX));
}

/* As many one-block extents as a replay may make: three units of work
 * each (the tag, the lookup, the change), just under FCR_REPLAY_WORK_MAX;
 * a tree of depth 3 with 4 KiB blocks (more than 4 x 340 x 340 extents),
 * the costliest work there is. */
#define DEEP_EXTENTS 699000

static int kind_extents_deep(struct craft *c, uint32_t nfc) {
        blk64_t end = ext2fs_blocks_count(c->fs->super);
        size_t n = 0, want = max_tags(DEEP_EXTENTS);

        scattered = calloc(want, sizeof(*scattered));
        if (!scattered)
                return -ENOMEM;
        /* Free blocks, none next to the one before. */
        for (blk64_t b = c->fs->super->s_first_data_block + 1; b < end && n < want; b++)
                if (!ext2fs_test_block_bitmap2(c->fs->block_map, b) && (n == 0 || scattered[n - 1] + 1 < b))
                        scattered[n++] = b;
        return n < want ? -ENOSPC : fill_committed(c, nfc, make_scattered, want);
}

/* One commit of the given tags. */
static int fc_one(struct craft *c, uint32_t nfc, const uint16_t *tags, uint8_t (*vals)[300], const uint16_t *lens,
                  size_t n) {
        struct fc_writer w;
        int r = fc_begin(c, nfc, &w);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (!fcw_tag(&w, tags[i], vals[i], lens[i]))
                        return -ENOSPC;
        if (!fcw_tail(&w))
                return -ENOSPC;
        return fc_end(&w);
}

static int fc_map_to(struct craft *c, uint32_t nfc, uint64_t pblk) {
        uint8_t v[1][300];
        uint16_t tag = TAG_ADD_RANGE, len = 16;

        add_range(v[0], file_ino, 0, 1, pblk, false);
        return fc_one(c, nfc, &tag, v, &len, 1);
}

static int kind_fc_sb(struct craft *c, uint32_t nfc) {
        return fc_map_to(c, nfc, c->fs->super->s_first_data_block);
}

static int kind_fc_gdt(struct craft *c, uint32_t nfc) {
        return fc_map_to(c, nfc, c->fs->super->s_first_data_block + 1);
}

static int kind_fc_bitmap(struct craft *c, uint32_t nfc) {
        return fc_map_to(c, nfc, ext2fs_block_bitmap_loc(c->fs, 0));
}

static int kind_fc_itable(struct craft *c, uint32_t nfc) {
        return fc_map_to(c, nfc, ext2fs_inode_table_loc(c->fs, 0) + 1);
}

static int kind_fc_journal(struct craft *c, uint32_t nfc) {
        return fc_map_to(c, nfc, c->jmap[c->first + 10]);
}

/* DEL_RANGE of the journal inode's first blocks. */
static int kind_fc_del_journal(struct craft *c, uint32_t nfc) {
        uint8_t v[1][300];
        uint16_t tag = TAG_DEL_RANGE, len = 12;

        le32(v[0], JOURNAL_INO);
        le32(v[0] + 4, 0);
        le32(v[0] + 8, 64);
        return fc_one(c, nfc, &tag, v, &len, 1);
}

/* An INODE tag over the journal inode: the regular file's inode. */
static int kind_fc_inode_reserved(struct craft *c, uint32_t nfc) {
        unsigned isz = EXT2_INODE_SIZE(c->fs->super);
        uint8_t v[1][300];
        uint16_t tag = TAG_INODE, len = 4 + isz;

        if (isz > 296 || ext2fs_read_inode_full(c->fs, file_ino, (struct ext2_inode *) (v[0] + 4), isz))
                return -EIO;
        le32(v[0], JOURNAL_INO);
        return fc_one(c, nfc, &tag, v, &len, 1);
}

static uint16_t dentry(uint8_t *v, uint32_t parent, uint32_t ino, const char *name) {
        le32(v, parent);
        le32(v + 4, ino);
        memcpy(v + 8, name, strlen(name));
        return 8 + strlen(name);
}

/* A name for the journal inode in the root directory. */
static int kind_fc_link_reserved(struct craft *c, uint32_t nfc) {
        uint8_t v[1][300];
        uint16_t tag = TAG_LINK, len = dentry(v[0], DIR_INO, JOURNAL_INO, "journal");

        return fc_one(c, nfc, &tag, v, &len, 1);
}

/* Names added into the regular file, as if it were a directory. */
static int kind_fc_dirent_nondir(struct craft *c, uint32_t nfc) {
        uint8_t v[2][300];
        uint16_t tags[2] = { TAG_LINK, TAG_CREAT }, lens[2];

        lens[0] = dentry(v[0], file_ino, file_ino, "self");
        lens[1] = dentry(v[1], file_ino, file_ino + 1, "new");
        return fc_one(c, nfc, tags, v, lens, 2);
}

#define FC_SMALL 256            /* the fast-commit area of the small kinds */
#define FC_WHOLE UINT32_MAX     /* the whole journal but its minimum log */
#define FC_HALF (UINT32_MAX - 1) /* half of what may be: room to commit the result */

static const struct kind {
        const char *name;
        uint32_t nfc;
        int (*fn)(struct craft *c, uint32_t nfc);
        const char *what;
} kinds[] = {
        { "descriptors", 0, kind_descriptors, "the whole log full of committed descriptor blocks" },
        { "revokes", 0, kind_revokes, "one transaction of revoke blocks filling the log" },
        { "jbd2-meta-copy", 0, kind_jbd2_meta_copy, "group 0's metadata logged as it is" },
        { "jbd2-sb", 0, kind_jbd2_sb, "garbage logged over the superblock" },
        { "jbd2-gdt", 0, kind_jbd2_gdt, "garbage logged over the group descriptors" },
        { "jbd2-bitmap", 0, kind_jbd2_bitmap, "garbage logged over a block bitmap" },
        { "jbd2-itable", 0, kind_jbd2_itable, "garbage logged over an inode table block" },
        { "jbd2-journal", 0, kind_jbd2_journal, "a block homed in the journal's own log" },
        { "fc-pad", FC_WHOLE, kind_fc_pad, "HEAD and PAD tags to the end of the area, no TAIL" },
        { "fc-tags", FC_WHOLE, kind_fc_tags, "the area full of committed DEL_RANGE tags" },
        { "fc-ranges", FC_WHOLE, kind_fc_ranges, "the area full of one ADD_RANGE of 16384 blocks" },
        { "extents-deep", FC_HALF, kind_extents_deep, "the area full of one-block ADD_RANGEs, a deep tree" },
        { "fc-sb", FC_SMALL, kind_fc_sb, "ADD_RANGE onto the superblock" },
        { "fc-gdt", FC_SMALL, kind_fc_gdt, "ADD_RANGE onto the group descriptors" },
        { "fc-bitmap", FC_SMALL, kind_fc_bitmap, "ADD_RANGE onto a block bitmap" },
        { "fc-itable", FC_SMALL, kind_fc_itable, "ADD_RANGE onto an inode table" },
        { "fc-journal", FC_SMALL, kind_fc_journal, "ADD_RANGE onto the journal" },
        { "fc-del-journal", FC_SMALL, kind_fc_del_journal, "DEL_RANGE of the journal inode" },
        { "fc-inode-reserved", FC_SMALL, kind_fc_inode_reserved, "INODE tag over the journal inode" },
        { "fc-link-reserved", FC_SMALL, kind_fc_link_reserved, "LINK of the journal inode into /" },
        { "fc-dirent-nondir", FC_SMALL, kind_fc_dirent_nondir, "LINK and CREAT into a regular file" },
};

int main(int argc, char **argv) {
        const struct kind *k = NULL;
        struct craft c;
        uint32_t nfc;
        int r;

        if (argc == 2 && !strcmp(argv[1], "--list")) {
                for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                        printf("%-18s %s\n", kinds[i].name, kinds[i].what);
                return 0;
        }
        for (size_t i = 0; argc == 3 && i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (!strcmp(argv[2], kinds[i].name))
                        k = &kinds[i];
        if (!k) {
                fprintf(stderr, "usage: fcr-craft IMAGE KIND (fcr-craft --list)\n");
                return 64;
        }
        r = craft_open(argv[1], &c);
        if (r < 0) {
                fprintf(stderr, "fcr-craft: cannot open %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        if (ext2fs_namei(c.fs, EXT2_ROOT_INO, EXT2_ROOT_INO, "file", &file_ino)) {
                fprintf(stderr, "fcr-craft: %s has no /file (make-crafted.sh makes it)\n", argv[1]);
                return 1;
        }
        nfc = k->nfc == FC_WHOLE ? c.maxlen - 1024 : k->nfc == FC_HALF ? (c.maxlen - 1024) / 2 : k->nfc;
        r = k->fn(&c, nfc);
        if (r == 0)
                r = craft_finish(&c, nfc);
        if (r < 0) {
                fprintf(stderr, "fcr-craft: %s: %s\n", k->name, strerror(-r));
                return 1;
        }
        return 0;
}
