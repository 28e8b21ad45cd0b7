/* The writers of fcr-craft: the journal superblock, jbd2 descriptor,
 * revoke and commit blocks (checksum v3 when the journal has it), and
 * fast-commit tags with their TAIL's CRC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "craft.h"

#define JBD2_MAGIC 0xC03B3998U
#define JSB_SEQUENCE 0x18
#define JSB_START 0x1C
#define JSB_INCOMPAT 0x28
#define JSB_UUID 0x30
#define JSB_CHECKSUM_TYPE 0x50
#define JSB_NUM_FC 0x54
#define JSB_CHECKSUM 0xFC
#define INCOMPAT_64BIT 0x2
#define INCOMPAT_CSUM_V2 0x8
#define INCOMPAT_CSUM_V3 0x10
#define INCOMPAT_FAST_COMMIT 0x20
#define FLAG_SAME_UUID 0x2
#define FLAG_LAST_TAG 0x8
#define FC_TAG_PAD 7
#define FC_TAG_TAIL 8

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put_le16(uint8_t *p, uint16_t v) {
        p[0] = v;
        p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v) {
        put_le16(p, v);
        put_le16(p + 2, v >> 16);
}

static bool is_zero(const uint8_t *p, size_t len) {
        return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

static uint32_t crc32c(uint32_t seed, const void *buf, size_t len) {
        return ext2fs_crc32c_le(seed, buf, len);
}

/* crc32c of buf with the 4 bytes at off read as zero. */
static uint32_t crc32c_skip(uint32_t seed, uint8_t *buf, size_t len, size_t off) {
        uint8_t saved[4];
        uint32_t c;

        memcpy(saved, buf + off, 4);
        memset(buf + off, 0, 4);
        c = crc32c(seed, buf, len);
        memcpy(buf + off, saved, 4);
        return c;
}

int craft_jread(struct craft *c, uint32_t jblk, void *buf) {
        return io_channel_read_blk64(c->fs->io, c->jmap[jblk], 1, buf) ? -EIO : 0;
}

int craft_jwrite(struct craft *c, uint32_t jblk, const void *buf) {
        return io_channel_write_blk64(c->fs->io, c->jmap[jblk], 1, buf) ? -EIO : 0;
}

static int map_journal(struct craft *c) {
        struct ext2_inode inode;

        if (ext2fs_read_inode(c->fs, c->fs->super->s_journal_inum, &inode))
                return -EIO;
        c->maxlen = EXT2_I_SIZE(&inode) / c->bs;
        c->jmap = calloc(c->maxlen, sizeof(*c->jmap));
        if (!c->jmap)
                return -ENOMEM;
        for (uint32_t i = 0; i < c->maxlen; i++)
                if (ext2fs_bmap2(c->fs, c->fs->super->s_journal_inum, &inode, NULL, 0, i, NULL, &c->jmap[i]) ||
                    !c->jmap[i])
                        return -EIO;
        return 0;
}

int craft_open(const char *path, struct craft *c) {
        uint32_t incompat;
        int r;

        memset(c, 0, sizeof(*c));
        if (ext2fs_open(path, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &c->fs))
                return -EIO;
        if (!c->fs->super->s_journal_inum)
                return -ENOENT;
        if (ext2fs_read_bitmaps(c->fs))
                return -EIO;
        c->bs = c->fs->blocksize;
        r = map_journal(c);
        if (r < 0)
                return r;
        c->jsb = malloc(c->bs);
        if (!c->jsb || craft_jread(c, 0, c->jsb) < 0)
                return -EIO;
        incompat = get_be32(c->jsb + JSB_INCOMPAT);
        /* As the kernel's first mount leaves the journal of a filesystem
         * with metadata_csum (and 64bit). */
        if (ext2fs_has_feature_metadata_csum(c->fs->super)) {
                incompat |= INCOMPAT_CSUM_V3 | (ext2fs_has_feature_64bit(c->fs->super) ? INCOMPAT_64BIT : 0);
                c->jsb[JSB_CHECKSUM_TYPE] = 4;
        }
        c->csum = incompat & (INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3);
        c->is64 = incompat & INCOMPAT_64BIT;
        if (c->csum) {
                /* Written as v3 always: 16-byte tags. */
                incompat = (incompat & ~INCOMPAT_CSUM_V2) | INCOMPAT_CSUM_V3;
                put_be32(c->jsb + JSB_INCOMPAT, incompat);
                c->tag_bytes = 16;
                c->seed = crc32c(~0U, c->jsb + JSB_UUID, 16);
        } else
                c->tag_bytes = c->is64 ? 12 : 8;
        c->first = get_be32(c->jsb + 0x14);
        c->tid = 1000;
        c->commit_sec = 1700000000;
        craft_fc_area(c, 0, &c->fc_first, &c->fc_end);
        c->log_end = c->maxlen;
        return 0;
}

void craft_fc_area(const struct craft *c, uint32_t nfc, uint32_t *ret_first, uint32_t *ret_end) {
        *ret_first = nfc ? c->maxlen - nfc + 1 : c->maxlen;
        *ret_end = c->maxlen;
}

int craft_finish(struct craft *c, uint32_t nfc) {
        uint32_t incompat = get_be32(c->jsb + JSB_INCOMPAT);

        incompat = nfc ? incompat | INCOMPAT_FAST_COMMIT : incompat & ~INCOMPAT_FAST_COMMIT;
        put_be32(c->jsb + JSB_INCOMPAT, incompat);
        put_be32(c->jsb + JSB_NUM_FC, nfc);
        put_be32(c->jsb + JSB_SEQUENCE, c->tid);
        put_be32(c->jsb + JSB_START, c->first);
        if (c->csum)
                put_be32(c->jsb + JSB_CHECKSUM, crc32c_skip(~0U, c->jsb, 1024, JSB_CHECKSUM));
        if (craft_jwrite(c, 0, c->jsb) < 0)
                return -EIO;
        ext2fs_set_feature_journal_needs_recovery(c->fs->super);
        ext2fs_mark_super_dirty(c->fs);
        free(c->jsb);
        free(c->jmap);
        return ext2fs_close_free(&c->fs) ? -EIO : 0;
}

static void put_header(uint8_t *b, uint32_t type, uint32_t tid) {
        put_be32(b, JBD2_MAGIC);
        put_be32(b + 4, type);
        put_be32(b + 8, tid);
}

static bool take(struct craft *c, uint32_t *pos, uint32_t n) {
        if (*pos + n > c->log_end)
                return false;
        *pos += n;
        return true;
}

size_t craft_tags_per_descriptor(const struct craft *c) {
        return (c->bs - 12 - (c->csum ? 4 : 0) - 16) / c->tag_bytes;
}

size_t craft_records_per_revoke(const struct craft *c) {
        return (c->bs - 16 - (c->csum ? 4 : 0)) / (c->is64 ? 8 : 4);
}

static void put_tag(struct craft *c, uint8_t *t, uint64_t home, uint32_t flags, uint32_t csum) {
        put_be32(t, (uint32_t) home);
        if (c->csum) {
                put_be32(t + 4, flags);
                put_be32(t + 8, home >> 32);
                put_be32(t + 12, csum);
                return;
        }
        t[6] = flags >> 8;
        t[7] = flags;
        if (c->is64)
                put_be32(t + 8, home >> 32);
}

static uint32_t data_csum(struct craft *c, uint32_t tid, const uint8_t *data) {
        uint8_t seq[4];

        put_be32(seq, tid);
        return crc32c(crc32c(c->seed, seq, 4), data, c->bs);
}

bool craft_descriptor(struct craft *c, uint32_t *pos, uint32_t tid, const blk64_t *homes,
                      const uint8_t *const *data, size_t n) {
        uint8_t *d = calloc(1, c->bs);
        uint32_t at = *pos, off = 12;
        bool ok = d && n <= craft_tags_per_descriptor(c) && take(c, pos, 1 + n);

        if (!ok) {
                free(d);
                return false;
        }
        put_header(d, 1, tid);
        for (size_t i = 0; i < n; i++) {
                uint32_t flags = (i ? FLAG_SAME_UUID : 0) | (i + 1 == n ? FLAG_LAST_TAG : 0);

                put_tag(c, d + off, homes[i], flags, c->csum ? data_csum(c, tid, data[i]) : 0);
                off += c->tag_bytes;
                if (i == 0) {
                        memcpy(d + off, c->jsb + JSB_UUID, 16);
                        off += 16;
                }
                /* A zero block is left as the hole it is. */
                if (!is_zero(data[i], c->bs))
                        ok = ok && craft_jwrite(c, at + 1 + i, data[i]) == 0;
        }
        if (c->csum)
                put_be32(d + c->bs - 4, crc32c_skip(c->seed, d, c->bs, c->bs - 4));
        ok = ok && craft_jwrite(c, at, d) == 0;
        free(d);
        return ok;
}

bool craft_revoke(struct craft *c, uint32_t *pos, uint32_t tid, const uint64_t *blocks, size_t n) {
        unsigned rec = c->is64 ? 8 : 4;
        uint8_t *d = calloc(1, c->bs);
        uint32_t at = *pos;
        bool ok = d && n <= craft_records_per_revoke(c) && take(c, pos, 1);

        if (!ok) {
                free(d);
                return false;
        }
        put_header(d, 5, tid);
        put_be32(d + 12, 16 + n * rec);
        for (size_t i = 0; i < n; i++) {
                if (c->is64) {
                        put_be32(d + 16 + i * 8, blocks[i] >> 32);
                        put_be32(d + 20 + i * 8, (uint32_t) blocks[i]);
                } else
                        put_be32(d + 16 + i * 4, (uint32_t) blocks[i]);
        }
        if (c->csum)
                put_be32(d + c->bs - 4, crc32c_skip(c->seed, d, c->bs, c->bs - 4));
        ok = craft_jwrite(c, at, d) == 0;
        free(d);
        return ok;
}

bool craft_commit(struct craft *c, uint32_t *pos, uint32_t tid) {
        uint8_t *d = calloc(1, c->bs);
        uint32_t at = *pos;
        bool ok = d && take(c, pos, 1);

        if (!ok) {
                free(d);
                return false;
        }
        put_header(d, 2, tid);
        c->commit_sec++;
        put_be32(d + 0x30, c->commit_sec >> 32);
        put_be32(d + 0x34, (uint32_t) c->commit_sec);
        if (c->csum)
                put_be32(d + 0x10, crc32c_skip(c->seed, d, c->bs, 0x10));
        ok = craft_jwrite(c, at, d) == 0;
        free(d);
        return ok;
}

int fcw_init(struct fc_writer *w, struct craft *c, uint32_t area_first, uint32_t area_end) {
        *w = (struct fc_writer) { .c = c, .area_first = area_first, .area_end = area_end, .buf = calloc(1, c->bs) };
        return w->buf ? 0 : -ENOMEM;
}

int fcw_flush(struct fc_writer *w) {
        int r;

        if (w->off == 0)
                return 0;
        r = craft_jwrite(w->c, w->area_first + w->blk, w->buf);
        memset(w->buf, 0, w->c->bs);
        w->off = 0;
        w->blk++;
        if (w->area_first + w->blk >= w->area_end)
                w->full = true;
        return r;
}

/* Room for a tag of len bytes in this block, else the rest padded and
 * the next block begun. */
static bool room(struct fc_writer *w, uint16_t len) {
        uint32_t bs = w->c->bs;

        if (w->full)
                return false;
        if (w->off + 4 + len <= bs)
                return true;
        if (w->off + 4 <= bs) {
                put_le16(w->buf + w->off, FC_TAG_PAD);
                put_le16(w->buf + w->off + 2, bs - w->off - 4);
                w->crc = crc32c(w->crc, w->buf + w->off, bs - w->off);
        }
        w->off = bs;
        return fcw_flush(w) == 0 && !w->full;
}

bool fcw_tag(struct fc_writer *w, uint16_t tag, const void *val, uint16_t len) {
        if (!room(w, len))
                return false;
        put_le16(w->buf + w->off, tag);
        put_le16(w->buf + w->off + 2, len);
        memcpy(w->buf + w->off + 4, val, len);
        w->crc = crc32c(w->crc, w->buf + w->off, 4 + len);
        w->off += 4 + len;
        return true;
}

bool fcw_tail(struct fc_writer *w) {
        uint32_t bs = w->c->bs, len;
        uint8_t *t;

        if (!room(w, 8))
                return false;
        t = w->buf + w->off;
        len = bs - w->off - 4;
        put_le16(t, FC_TAG_TAIL);
        put_le16(t + 2, len);
        put_le32(t + 4, w->c->tid);
        w->crc = crc32c(w->crc, t, 8);
        put_le32(t + 8, w->crc);
        w->crc = 0;
        w->off = bs;
        return fcw_flush(w) == 0;
}

void fcw_pad_to_end(struct fc_writer *w) {
        while (!w->full) {
                while (w->off + 4 <= w->c->bs) {
                        put_le16(w->buf + w->off, FC_TAG_PAD);
                        put_le16(w->buf + w->off + 2, 0);
                        w->off += 4;
                }
                w->off = w->c->bs;
                if (fcw_flush(w) < 0)
                        return;
        }
}

void fcw_done(struct fc_writer *w) {
        free(w->buf);
}

size_t craft_free_blocks(struct craft *c, blk64_t *out, size_t n) {
        size_t got = 0;

        for (blk64_t b = ext2fs_blocks_count(c->fs->super) - 1; got < n && b > c->fs->super->s_first_data_block; b--)
                if (!ext2fs_test_block_bitmap2(c->fs->block_map, b))
                        out[got++] = b;
        return got;
}
