/* The mounted tree in fcr-fctree's format (see tests/tools/fcr-fctree.c):
 * what every fsync made durable just before the power cut, to compare a
 * replay with where the kernel's own replay is not usable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ext2fs/ext2fs.h>
#include "live-tree.h"
#include "../tools/tree_hash.h"

static void print_escaped(FILE *f, const char *s) {
        for (; *s; s++) {
                unsigned char c = *s;

                if (c < 0x21 || c >= 0x7f || c == '\\')
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
}

static const char *type_of(mode_t mode) {
        switch (mode & S_IFMT) {
        case S_IFDIR: return "dir";
        case S_IFREG: return "file";
        case S_IFLNK: return "symlink";
        case S_IFCHR: return "chr";
        case S_IFBLK: return "blk";
        case S_IFIFO: return "fifo";
        case S_IFSOCK: return "sock";
        }
        return "unknown";
}

/* As fcr-fctree: each 4 KiB chunk that is not all zeros, with its offset. */
static int content_hash(int dirfd, const char *name, uint32_t *ret) {
        char buf[4096];
        uint64_t off = 0;
        uint32_t h = ~0U;
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t got = 0, n;

                while (got < (ssize_t) sizeof(buf) && (n = pread(fd, buf + got, sizeof(buf) - got, off + got)) > 0)
                        got += n;
                if (got <= 0)
                        break;
                h = tree_hash_chunk(h, off, buf, got);
                off += got;
                if (got < (ssize_t) sizeof(buf))
                        break;
        }
        close(fd);
        *ret = h;
        return 0;
}

static int by_name(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

static int dump_dir(FILE *f, int dirfd, const char *path, int depth);

static int dump_one(FILE *f, int dirfd, const char *name, const char *path, int depth) {
        struct stat st;
        int r = 0;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        print_escaped(f, path);
        fprintf(f, " type=%s ino=%llu mode=%04o uid=%u gid=%u nlink=%lu", type_of(st.st_mode),
                (unsigned long long) st.st_ino, (unsigned) (st.st_mode & 07777), (unsigned) st.st_uid,
                (unsigned) st.st_gid, (unsigned long) st.st_nlink);
        if (!S_ISDIR(st.st_mode))
                fprintf(f, " size=%llu mtime=%lld.%09ld", (unsigned long long) st.st_size,
                        (long long) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
        if (S_ISREG(st.st_mode)) {
                uint32_t h = 0;

                r = content_hash(dirfd, name, &h);
                if (r < 0)
                        return r;
                fprintf(f, " crc32c=%08x", h);
        } else if (S_ISLNK(st.st_mode)) {
                char t[4097];
                ssize_t n = readlinkat(dirfd, name, t, sizeof(t) - 1);

                if (n < 0)
                        return -errno;
                t[n] = 0;
                fprintf(f, " target=");
                print_escaped(f, t);
        }
        fputc('\n', f);
        if (S_ISDIR(st.st_mode)) {
                int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                r = dump_dir(f, fd, path, depth + 1);
                close(fd);
        }
        return r;
}

static int dump_dir(FILE *f, int dirfd, const char *path, int depth) {
        int fd = dup(dirfd);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        char **v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int r = 0;

        if (!d) {
                if (fd >= 0)
                        close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                    (depth == 0 && !strcmp(de->d_name, "lost+found")))
                        continue;
                if (n == cap) {
                        char **nv = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                }
                v[n] = strdup(de->d_name);
                if (!v[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r == 0 && n)
                qsort(v, n, sizeof(*v), by_name);
        for (size_t i = 0; r == 0 && i < n; i++) {
                char *child;

                if ((depth ? asprintf(&child, "%s/%s", path, v[i]) : asprintf(&child, "%s", v[i])) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = dump_one(f, dirfd, v[i], child, depth);
                free(child);
        }
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
        return r;
}

int fcr_live_tree(int rootfd, const char *file) {
        FILE *f = fopen(file, "we");
        int r;

        if (!f)
                return -errno;
        r = dump_dir(f, rootfd, "", 0);
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}
