#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "overlay.h"
#include <fcreplay/util.h>

struct ov_block {
        uint64_t nr;
        unsigned flags;
        uint8_t data[];
};

struct fcr_overlay {
        io_channel base;
        unsigned bs;
        void *tree;             /* tsearch tree of struct ov_block */
        size_t nr_written;
        uint64_t reads;
        uint8_t *scratch;       /* reads through: never an allocation there, where
                                 * libext2fs cannot take a failure (a NULL
                                 * group descriptor is dereferenced) */
        char name[64];
};

static int cmp_block(const void *a, const void *b) {
        const struct ov_block *x = a, *y = b;

        return x->nr < y->nr ? -1 : x->nr > y->nr;
}

int fcr_overlay_new(io_channel base, unsigned blocksize, struct fcr_overlay **ret) {
        struct fcr_overlay *ov = calloc(1, sizeof(*ov));

        if (!ov)
                return -ENOMEM;
        ov->base = base;
        ov->bs = blocksize;
        ov->scratch = malloc(blocksize);
        if (!ov->scratch) {
                free(ov);
                return -ENOMEM;
        }
        snprintf(ov->name, sizeof(ov->name), "fcr-overlay:%p", (void *) ov);
        *ret = ov;
        return 0;
}

void fcr_overlay_free(struct fcr_overlay *ov) {
        if (!ov)
                return;
        tdestroy(ov->tree, free);
        free(ov->scratch);
        free(ov);
}

const char *fcr_overlay_name(const struct fcr_overlay *ov) {
        return ov->name;
}

uint64_t fcr_overlay_reads(const struct fcr_overlay *ov) {
        return ov->reads;
}

size_t fcr_overlay_count_written(const struct fcr_overlay *ov) {
        return ov->nr_written;
}

static struct ov_block *lookup(struct fcr_overlay *ov, uint64_t nr) {
        struct ov_block key = { .nr = nr };
        struct ov_block **p = tfind(&key, &ov->tree, cmp_block);

        return p ? *p : NULL;
}

/* The block in the view, created from the device's copy if absent. */
static int get_block(struct fcr_overlay *ov, uint64_t nr, bool fill, struct ov_block **ret) {
        struct ov_block *b = lookup(ov, nr), **p;
        errcode_t e;

        if (b) {
                *ret = b;
                return 0;
        }
        b = malloc(sizeof(*b) + ov->bs);
        if (!b)
                return -ENOMEM;
        b->nr = nr;
        b->flags = 0;
        if (fill) {
                e = io_channel_read_blk64(ov->base, nr, 1, b->data);
                ov->reads++;
                if (e) {
                        free(b);
                        return -EIO;
                }
        }
        p = tsearch(b, &ov->tree, cmp_block);
        if (!p) {
                free(b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}

int fcr_overlay_preload(struct fcr_overlay *ov, uint64_t nr, const void *data) {
        struct ov_block *b;
        int r = get_block(ov, nr, false, &b);

        if (r < 0)
                return r;
        memcpy(b->data, data, ov->bs);
        b->flags |= FCR_OV_PRELOADED;
        return 0;
}

/* Byte-granular access: libext2fs reads the superblock with a 1 KiB
 * channel block size and writes parts of it by offset. */
static errcode_t ov_read(struct fcr_overlay *ov, uint64_t off, size_t len, uint8_t *buf) {
        while (len) {
                uint64_t nr = off / ov->bs;
                size_t in = off % ov->bs, n = ov->bs - in < len ? ov->bs - in : len;
                struct ov_block *b = lookup(ov, nr);

                if (b)
                        memcpy(buf, b->data + in, n);
                else {
                        /* Read through, whole blocks at a time. */
                        errcode_t e = io_channel_read_blk64(ov->base, nr, 1, ov->scratch);

                        ov->reads++;
                        if (e)
                                return e;
                        memcpy(buf, ov->scratch + in, n);
                }
                buf += n;
                off += n;
                len -= n;
        }
        return 0;
}

static errcode_t ov_write(struct fcr_overlay *ov, uint64_t off, size_t len, const uint8_t *buf) {
        while (len) {
                uint64_t nr = off / ov->bs;
                size_t in = off % ov->bs, n = ov->bs - in < len ? ov->bs - in : len;
                struct ov_block *b;
                int r = get_block(ov, nr, n != ov->bs, &b);

                if (r < 0)
                        return r == -ENOMEM ? EXT2_ET_NO_MEMORY : EXT2_ET_SHORT_READ;
                memcpy(b->data + in, buf, n);
                if (!(b->flags & FCR_OV_WRITTEN))
                        ov->nr_written++;
                b->flags |= FCR_OV_WRITTEN;
                buf += n;
                off += n;
                len -= n;
        }
        return 0;
}

static size_t span(io_channel ch, int count) {
        return count < 0 ? (size_t) -count : (size_t) count * ch->block_size;
}

static errcode_t ovm_open(const char *name, int flags, io_channel *ret);

static errcode_t ovm_close(io_channel ch) {
        if (--ch->refcount > 0)
                return 0;
        free(ch->name);
        free(ch);
        return 0;
}

static errcode_t ovm_set_blksize(io_channel ch, int blksize) {
        ch->block_size = blksize;
        return 0;
}

static errcode_t ovm_read_blk64(io_channel ch, unsigned long long block, int count, void *data) {
        return ov_read(ch->private_data, block * ch->block_size, span(ch, count), data);
}

static errcode_t ovm_read_blk(io_channel ch, unsigned long block, int count, void *data) {
        return ovm_read_blk64(ch, block, count, data);
}

static errcode_t ovm_write_blk64(io_channel ch, unsigned long long block, int count, const void *data) {
        return ov_write(ch->private_data, block * ch->block_size, span(ch, count), data);
}

static errcode_t ovm_write_blk(io_channel ch, unsigned long block, int count, const void *data) {
        return ovm_write_blk64(ch, block, count, data);
}

static errcode_t ovm_write_byte(io_channel ch, unsigned long offset, int count, const void *data) {
        return ov_write(ch->private_data, offset, count, data);
}

static errcode_t ovm_flush(io_channel ch) {
        return 0;
}

static errcode_t ovm_zeroout(io_channel ch, unsigned long long block, unsigned long long count) {
        struct fcr_overlay *ov = ch->private_data;
        uint8_t *zero = calloc(1, ch->block_size);
        errcode_t e = 0;

        if (!zero)
                return EXT2_ET_NO_MEMORY;
        for (unsigned long long i = 0; i < count && !e; i++)
                e = ov_write(ov, (block + i) * ch->block_size, ch->block_size, zero);
        free(zero);
        return e;
}

static struct struct_io_manager overlay_manager = {
        .magic = EXT2_ET_MAGIC_IO_MANAGER,
        .name = "fcreplay overlay",
        .open = ovm_open,
        .close = ovm_close,
        .set_blksize = ovm_set_blksize,
        .read_blk = ovm_read_blk,
        .write_blk = ovm_write_blk,
        .flush = ovm_flush,
        .write_byte = ovm_write_byte,
        .read_blk64 = ovm_read_blk64,
        .write_blk64 = ovm_write_blk64,
        .zeroout = ovm_zeroout,
};

io_manager fcr_overlay_manager(void) {
        return &overlay_manager;
}

/* The overlay travels in the channel name, as "fcr-overlay:<pointer>". */
static errcode_t ovm_open(const char *name, int flags, io_channel *ret) {
        void *ptr = NULL;
        io_channel ch;

        if (!name || sscanf(name, "fcr-overlay:%p", &ptr) != 1 || !ptr)
                return EXT2_ET_BAD_DEVICE_NAME;
        ch = calloc(1, sizeof(*ch));
        if (!ch)
                return EXT2_ET_NO_MEMORY;
        ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
        ch->manager = &overlay_manager;
        ch->name = strdup(name);
        ch->block_size = 1024;
        ch->refcount = 1;
        ch->flags = flags;
        ch->private_data = ptr;
        if (!ch->name) {
                free(ch);
                return EXT2_ET_NO_MEMORY;
        }
        *ret = ch;
        return 0;
}

struct walk_ctx {
        fcr_overlay_fn fn;
        void *userdata;
        int r;
};

static void walk_action(const void *node, VISIT which, void *closure) {
        const struct ov_block *b = *(const struct ov_block * const *) node;
        struct walk_ctx *c = closure;

        if ((which == postorder || which == leaf) && c->r == 0 && (b->flags & FCR_OV_WRITTEN))
                c->r = c->fn(b->nr, b->data, c->userdata);
}

int fcr_overlay_foreach_written(struct fcr_overlay *ov, fcr_overlay_fn fn, void *userdata) {
        struct walk_ctx c = { .fn = fn, .userdata = userdata };

        twalk_r(ov->tree, walk_action, &c);
        return c.r;
}
