/* Power-cut harness: replay an image through a libext2fs I/O manager that
 * passes the first N writes to the disk and drops every write and flush
 * after them, as a power cut would.
 *
 *   fcr-cutreplay [--allocator NAME] --count IMAGE   replay, print the writes
 *   fcr-cutreplay [--allocator NAME] --cut N IMAGE   replay, cut after write N
 *
 * A cut replay exits 0 whatever the engine thought of its dropped writes:
 * what counts is what a normal replay makes of the image afterwards. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>
#include <fcreplay/engine.h>

static unsigned long long writes_done, cut_after = ~0ULL;

static bool cut(void) {
        if (writes_done >= cut_after)
                return true;
        if (getenv("FCR_CUT_TRACE"))
                fprintf(stderr, "write %llu\n", writes_done + 1);
        writes_done++;
        return false;
}

static io_channel base(io_channel ch) {
        return ch->private_data;
}

static errcode_t cut_open(const char *name, int flags, io_channel *ret);

static errcode_t cut_close(io_channel ch) {
        errcode_t e = 0;

        if (--ch->refcount > 0)
                return 0;
        e = io_channel_close(base(ch));
        free(ch->name);
        free(ch);
        return e;
}

static errcode_t cut_set_blksize(io_channel ch, int blksize) {
        ch->block_size = blksize;
        return io_channel_set_blksize(base(ch), blksize);
}

static errcode_t cut_read_blk64(io_channel ch, unsigned long long block, int count, void *data) {
        return io_channel_read_blk64(base(ch), block, count, data);
}

static errcode_t cut_read_blk(io_channel ch, unsigned long block, int count, void *data) {
        return cut_read_blk64(ch, block, count, data);
}

static errcode_t cut_write_blk64(io_channel ch, unsigned long long block, int count, const void *data) {
        if (getenv("FCR_CUT_TRACE"))
                fprintf(stderr, "blk %llu x%d: ", block, count);
        return cut() ? 0 : io_channel_write_blk64(base(ch), block, count, data);
}

static errcode_t cut_write_blk(io_channel ch, unsigned long block, int count, const void *data) {
        return cut_write_blk64(ch, block, count, data);
}

static errcode_t cut_write_byte(io_channel ch, unsigned long offset, int count, const void *data) {
        if (getenv("FCR_CUT_TRACE"))
                fprintf(stderr, "byte %lu x%d: ", offset, count);
        return cut() ? 0 : io_channel_write_byte(base(ch), offset, count, data);
}

static errcode_t cut_flush(io_channel ch) {
        return writes_done >= cut_after ? 0 : io_channel_flush(base(ch));
}

static errcode_t cut_set_option(io_channel ch, const char *option, const char *arg) {
        return base(ch)->manager->set_option ? base(ch)->manager->set_option(base(ch), option, arg)
                                             : EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t cut_discard(io_channel ch, unsigned long long block, unsigned long long count) {
        return cut() ? 0 : io_channel_discard(base(ch), block, count);
}

static errcode_t cut_zeroout(io_channel ch, unsigned long long block, unsigned long long count) {
        return cut() ? 0 : io_channel_zeroout(base(ch), block, count);
}

static struct struct_io_manager cut_manager = {
        .magic = EXT2_ET_MAGIC_IO_MANAGER,
        .name = "fcr-cut",
        .open = cut_open,
        .close = cut_close,
        .set_blksize = cut_set_blksize,
        .read_blk = cut_read_blk,
        .write_blk = cut_write_blk,
        .flush = cut_flush,
        .write_byte = cut_write_byte,
        .set_option = cut_set_option,
        .read_blk64 = cut_read_blk64,
        .write_blk64 = cut_write_blk64,
        .discard = cut_discard,
        .zeroout = cut_zeroout,
};

static errcode_t cut_open(const char *name, int flags, io_channel *ret) {
        io_channel ch = calloc(1, sizeof(*ch)), under = NULL;
        errcode_t e;

        if (!ch)
                return EXT2_ET_NO_MEMORY;
        /* The engine names its descriptor: the manager under is unixfd's.
         * Uncached: a write passed on is on the disk, so the cut falls
         * exactly where it is counted. */
        e = unixfd_io_manager->open(name, flags, &under);
        if (!e)
                e = io_channel_set_options(under, "cache=off");
        if (e) {
                if (under)
                        io_channel_close(under);
                free(ch);
                return e;
        }
        ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
        ch->manager = &cut_manager;
        ch->name = strdup(name);
        ch->block_size = under->block_size;
        ch->refcount = 1;
        ch->flags = under->flags;
        ch->private_data = under;
        *ret = ch;
        return 0;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "allocator", required_argument, NULL, 'a' },
                { "count", no_argument, NULL, 'c' },
                { "cut", required_argument, NULL, 'n' },
                {}
        };
        const char *allocator = NULL;
        bool count = false;
        struct fcr_diag d = {};
        struct fcr_engine *e = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
                switch (c) {
                case 'a': allocator = optarg; break;
                case 'c': count = true; break;
                case 'n': cut_after = strtoull(optarg, NULL, 10); break;
                default: return 64;
                }
        if (optind != argc - 1 || (count == (cut_after != ~0ULL))) {
                fprintf(stderr, "usage: fcr-cutreplay [--allocator NAME] --count|--cut N IMAGE\n");
                return 64;
        }
        struct fcr_engine_opts o = {
                .device = argv[optind],
                .allocator = allocator,
                .io_manager = &cut_manager,
        };
        r = fcr_engine_open(&o, &e, &d);
        if (r >= 0)
                r = fcr_engine_apply(e, &d);
        fcr_engine_free(e);
        if (count) {
                if (r < 0) {
                        fprintf(stderr, "fcr-cutreplay: %s: %s\n", argv[optind], d.msg);
                        return 1;
                }
                printf("%llu\n", writes_done);
        } else if (r < 0)
                fprintf(stderr, "fcr-cutreplay: cut after write %llu: the engine saw: %s\n", cut_after, d.msg);
        return 0;
}
