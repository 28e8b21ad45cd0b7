/* fcr-fctree: dump the visible tree of an unmounted ext4 image through
 * libext2fs, one sorted line per path, so that tests compare replay
 * results without mounting (and without root).
 *
 *   fcr-fctree [--force] IMAGE
 *
 * Each line: the path, then type, inode, mode, uid, gid, link count, size,
 * and for regular files a hash of the logical content (holes and unwritten
 * extents read as zeros) and the mtime; for symlinks the target and the
 * mtime.  Directory mtimes are left out: replaying a name stamps its
 * directory with the time of the replay.  /lost+found is left out.
 *
 * Exit status: 0 dumped; 2 the image still needs journal recovery (use
 * --force to dump it anyway); 3 cannot read the image; 64 usage. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>
#include "tree_hash.h"

#define MAX_DEPTH 256

struct entry {
        char *name;
        ext2_ino_t ino;
};

struct listing {
        struct entry *v;
        size_t n, cap;
        errcode_t err;
};

static int collect(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset, int blocksize, char *buf,
                   void *priv) {
        struct listing *l = priv;
        int len = ext2fs_dirent_name_len(de);

        if (de->inode == 0 || (len == 1 && de->name[0] == '.') ||
            (len == 2 && de->name[0] == '.' && de->name[1] == '.'))
                return 0;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 32;
                struct entry *v = realloc(l->v, cap * sizeof(*v));

                if (!v) {
                        l->err = ENOMEM;
                        return DIRENT_ABORT;
                }
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n].name = strndup(de->name, len);
        if (!l->v[l->n].name) {
                l->err = ENOMEM;
                return DIRENT_ABORT;
        }
        l->v[l->n++].ino = de->inode;
        return 0;
}

static int by_name(const void *a, const void *b) {
        return strcmp(((const struct entry *) a)->name, ((const struct entry *) b)->name);
}

static const char *type_of(uint16_t mode) {
        switch (mode & LINUX_S_IFMT) {
        case LINUX_S_IFDIR: return "dir";
        case LINUX_S_IFREG: return "file";
        case LINUX_S_IFLNK: return "symlink";
        case LINUX_S_IFCHR: return "chr";
        case LINUX_S_IFBLK: return "blk";
        case LINUX_S_IFIFO: return "fifo";
        case LINUX_S_IFSOCK: return "sock";
        }
        return "unknown";
}

/* A CRC32C over the file's logical content: each 4 KiB chunk that is not
 * all zeros, with its offset (holes and unwritten extents read as zeros
 * and need no hashing, which keeps huge sparse files cheap). */
static errcode_t content_hash(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode, uint32_t *ret) {
        char buf[4096];
        uint64_t off = 0;
        uint32_t h = ~0U;
        unsigned got;
        ext2_file_t f;
        errcode_t e = ext2fs_file_open2(fs, ino, inode, 0, &f);

        if (e)
                return e;
        for (;;) {
                e = ext2fs_file_read(f, buf, sizeof(buf), &got);
                if (e || got == 0)
                        break;
                h = tree_hash_chunk(h, off, buf, got);
                off += got;
        }
        ext2fs_file_close(f);
        if (!e)
                *ret = h;
        return e;
}

static errcode_t symlink_target(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode, char **ret) {
        size_t size = EXT2_I_SIZE(inode);
        char *t = calloc(1, size + 1);
        errcode_t e = 0;

        if (!t)
                return ENOMEM;
        if (inode->i_flags & EXT4_INLINE_DATA_FL) {
                size_t got = size;

                e = ext2fs_inline_data_get(fs, ino, inode, t, &got);
        } else if (ext2fs_is_fast_symlink(inode)) {
                memcpy(t, (char *) inode->i_block, size < sizeof(inode->i_block) ? size : sizeof(inode->i_block));
        } else {
                ext2_file_t f;
                unsigned got;

                e = ext2fs_file_open2(fs, ino, inode, 0, &f);
                if (!e) {
                        e = ext2fs_file_read(f, t, size, &got);
                        ext2fs_file_close(f);
                }
        }
        if (e) {
                free(t);
                return e;
        }
        *ret = t;
        return 0;
}

/* Print one value with the bytes a shell or diff would stumble on escaped. */
static void print_escaped(const char *s) {
        for (; *s; s++) {
                unsigned char c = *s;

                if (c < 0x21 || c >= 0x7f || c == '\\')
                        printf("\\x%02x", c);
                else
                        putchar(c);
        }
}

static errcode_t dump_dir(ext2_filsys fs, ext2_ino_t dir, const char *path, int depth);

static errcode_t dump_one(ext2_filsys fs, const char *path, ext2_ino_t ino, int depth) {
        struct ext2_inode_large big = {};
        struct ext2_inode *inode = (struct ext2_inode *) &big;
        errcode_t e = ext2fs_read_inode_full(fs, ino, inode, sizeof(big));
        uint16_t mode;

        if (e)
                return e;
        mode = inode->i_mode;
        print_escaped(path);
        printf(" type=%s ino=%u mode=%04o uid=%u gid=%u nlink=%u", type_of(mode), ino, mode & 07777,
               inode_uid(*inode), inode_gid(*inode), inode->i_links_count);
        if (!LINUX_S_ISDIR(mode)) {
                int64_t sec = (int32_t) inode->i_mtime;
                uint32_t nsec = 0;

                if (EXT2_INODE_SIZE(fs->super) > EXT2_GOOD_OLD_INODE_SIZE &&
                    big.i_extra_isize >= offsetof(struct ext2_inode_large, i_mtime_extra) + 4 -
                                         EXT2_GOOD_OLD_INODE_SIZE) {
                        sec += (int64_t) (big.i_mtime_extra & 3) << 32;
                        nsec = big.i_mtime_extra >> 2;
                }
                printf(" size=%llu mtime=%" PRId64 ".%09u", (unsigned long long) EXT2_I_SIZE(inode), sec, nsec);
        }
        if (LINUX_S_ISREG(mode)) {
                uint32_t h;

                e = content_hash(fs, ino, inode, &h);
                if (e)
                        return e;
                printf(" crc32c=%08x", h);
        } else if (LINUX_S_ISLNK(mode)) {
                char *t;

                e = symlink_target(fs, ino, inode, &t);
                if (e)
                        return e;
                printf(" target=");
                print_escaped(t);
                free(t);
        }
        putchar('\n');
        if (LINUX_S_ISDIR(mode))
                return dump_dir(fs, ino, path, depth + 1);
        return 0;
}

static errcode_t dump_dir(ext2_filsys fs, ext2_ino_t dir, const char *path, int depth) {
        struct listing l = {};
        errcode_t e;

        if (depth > MAX_DEPTH)
                return EXT2_ET_DIR_CORRUPTED;   /* a loop: no sane tree is this deep */
        e = ext2fs_dir_iterate2(fs, dir, 0, NULL, collect, &l);
        if (!e)
                e = l.err;
        if (!e && l.n)
                qsort(l.v, l.n, sizeof(*l.v), by_name);
        for (size_t i = 0; !e && i < l.n; i++) {
                char *child;

                if (depth == 0 && strcmp(l.v[i].name, "lost+found") == 0)
                        continue;
                if ((depth ? asprintf(&child, "%s/%s", path, l.v[i].name) : asprintf(&child, "%s", l.v[i].name)) < 0) {
                        e = ENOMEM;
                        break;
                }
                e = dump_one(fs, child, l.v[i].ino, depth);
                free(child);
        }
        for (size_t i = 0; i < l.n; i++)
                free(l.v[i].name);
        free(l.v);
        return e;
}

static void usage(FILE *f) {
        fprintf(f, "Usage: fcr-fctree [--force] IMAGE\n\n"
                   "Dump the visible tree of an unmounted ext4 image, one sorted line per path.\n"
                   "  -f, --force   dump even if the image still needs journal recovery\n"
                   "  -h, --help    show this help\n\n"
                   "Exit status: 0 dumped; 2 needs recovery; 3 cannot read the image; 64 usage.\n");
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        bool force = false;
        ext2_filsys fs;
        errcode_t e;
        int c;

        while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
                switch (c) {
                case 'f': force = true; break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 64;
                }
        }
        if (optind != argc - 1) {
                usage(stderr);
                return 64;
        }
        e = ext2fs_open2(argv[optind], NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs);
        if (e) {
                fprintf(stderr, "fcr-fctree: cannot open %s: %s\n", argv[optind], error_message(e));
                return 3;
        }
        if (!force && ext2fs_has_feature_journal_needs_recovery(fs->super)) {
                fprintf(stderr, "fcr-fctree: %s still needs journal recovery (--force dumps it as it is)\n",
                        argv[optind]);
                ext2fs_close_free(&fs);
                return 2;
        }
        e = dump_dir(fs, EXT2_ROOT_INO, "", 0);
        ext2fs_close_free(&fs);
        if (e) {
                fprintf(stderr, "fcr-fctree: %s: %s\n", argv[optind], error_message(e));
                return 3;
        }
        return fflush(stdout) == 0 ? 0 : 3;
}
