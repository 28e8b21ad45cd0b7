/* fcr-workload: a seeded random workload on a mounted ext4 where every
 * change is made durable with fsync (so the kernel writes fast commits,
 * or full jbd2 commits without the fast_commit feature), optionally ended
 * by EXT4_IOC_SHUTDOWN without log flush: a power cut.
 *
 *   fcr-workload DIR --seed N --ops N [--profile data|ns|mixed|jbd2|reuse|files|orphan]
 *                [--sync-every K] [--live-tree FILE] [--shutdown]
 *
 * One line per operation goes to stdout, so a failing seed can be read. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/falloc.h>
#include "live-tree.h"

#define EXT4_IOC_SHUTDOWN _IOR('X', 125, uint32_t)
#define EXT4_GOING_FLAGS_NOLOGFLUSH 0x2
#define MAX_PATHS 8192

enum profile { P_DATA, P_NS, P_MIXED, P_JBD2, P_REUSE, P_FILES, P_ORPHAN };

static uint64_t rng;
static const char *root;
static char *files[MAX_PATHS], *dirs[MAX_PATHS];
static size_t nfiles, ndirs;
static unsigned next_name;

static uint64_t rnd(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static void die(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        fprintf(stderr, "fcr-workload: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, ": %s\n", strerror(errno));
        va_end(ap);
        exit(1);
}

/* DIR/rel; two buffers in turn, as link() and rename() take two paths. */
static char *full(const char *rel) {
        static char buf[2][4096];
        static int turn;

        turn ^= 1;
        snprintf(buf[turn], sizeof(buf[turn]), "%s/%s", root, rel);
        return buf[turn];
}

static void sync_path(const char *rel, int flags) {
        int fd = open(full(rel), flags | O_CLOEXEC);

        if (fd < 0)
                die("open %s", rel);
        if (fsync(fd) < 0)
                die("fsync %s", rel);
        close(fd);
}

static void sync_parent(const char *rel) {
        char *p = strdup(rel), *slash = strrchr(p, '/');

        if (slash)
                *slash = '\0';
        sync_path(slash ? p : ".", O_RDONLY | O_DIRECTORY);
        free(p);
}

/* A fresh name in dir (NULL: the top). */
static char *name_in(const char *dir) {
        char *p;

        if (asprintf(&p, "%s%sn%05u", dir ? dir : "", dir ? "/" : "", ++next_name) < 0)
                die("asprintf");
        return p;
}

static char *new_name(void) {
        return name_in(ndirs && below(4) ? dirs[below(ndirs)] : NULL);
}

static void forget(char **v, size_t *n, size_t i) {
        free(v[i]);
        v[i] = v[--*n];
}

/* Content that tells writes apart but compresses well: the shipped
 * images stay small. */
static void fill(char *buf, size_t len) {
        unsigned char c = 'a' + rnd() % 26, step = 1 + rnd() % 7;

        for (size_t i = 0; i < len; i++)
                buf[i] = c + (i / 512 * step) % 26;
}

static void write_at(int fd, off_t off, size_t len) {
        char *buf = malloc(len ? len : 1);

        if (!buf)
                die("malloc");
        fill(buf, len);
        if (pwrite(fd, buf, len, off) != (ssize_t) len)
                die("pwrite");
        free(buf);
}

static size_t some_size(void) {
        static const size_t sizes[] = { 0, 100, 5000, 4096, 20000, 70000, 300000 };

        return sizes[below(sizeof(sizes) / sizeof(sizes[0]))];
}

/* A new file p (ours from now on) of len bytes, fsync'd. */
static void create_file(char *p, size_t len, mode_t mode) {
        int fd = open(full(p), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);

        if (fd < 0)
                die("create %s", p);
        write_at(fd, 0, len);
        if (fsync(fd) < 0)
                die("fsync %s", p);
        close(fd);
        printf("create %s %zu\n", p, len);
        files[nfiles++] = p;
}

static void op_create(void) {
        char *p = new_name();
        size_t len = some_size();

        if (nfiles == MAX_PATHS)
                return;
        create_file(p, len, below(2) ? 0644 : 0600);
}

static void op_data(void) {
        const char *p;
        struct stat st;
        int fd, kind = below(7);
        off_t off, len;

        if (!nfiles) {
                op_create();
                return;
        }
        p = files[below(nfiles)];
        fd = open(full(p), O_RDWR | O_CLOEXEC);
        if (fd < 0)
                die("open %s", p);
        if (fstat(fd, &st) < 0)
                die("fstat %s", p);
        off = st.st_size ? below(st.st_size) : 0;
        len = 1 + below(65536);
        switch (kind) {
        case 0:
                write_at(fd, st.st_size, len);
                printf("append %s %lld\n", p, (long long) len);
                break;
        case 1:
                write_at(fd, off, len);
                printf("write %s %lld+%lld\n", p, (long long) off, (long long) len);
                break;
        case 2:
                if (ftruncate(fd, off) < 0)
                        die("truncate %s", p);
                printf("truncate %s %lld\n", p, (long long) off);
                break;
        case 3:
                if (ftruncate(fd, st.st_size + len * 4) < 0)
                        die("extend %s", p);
                printf("extend %s %lld\n", p, (long long) (st.st_size + len * 4));
                break;
        case 4:
                if (fallocate(fd, 0, st.st_size, len) < 0)
                        die("fallocate %s", p);
                printf("fallocate %s %lld+%lld\n", p, (long long) st.st_size, (long long) len);
                break;
        case 5:
                if (fallocate(fd, FALLOC_FL_KEEP_SIZE, st.st_size, len) < 0)
                        die("fallocate keep-size %s", p);
                printf("fallocate-keep %s %lld+%lld\n", p, (long long) st.st_size, (long long) len);
                break;
        default:
                if (st.st_size && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) < 0)
                        die("punch %s", p);
                printf("punch %s %lld+%lld\n", p, (long long) off, (long long) len);
                break;
        }
        if (fsync(fd) < 0)
                die("fsync %s", p);
        close(fd);
}

static void op_ns(bool tail) {
        /* The tail of the run sticks to names the kernel logs as fast
         * commits (no symlinks or directory changes, which often force a
         * full commit), so that the crash leaves fast commits to replay. */
        int kind = tail ? (int) below(4) : (int) below(9);
        char *p;

        if (kind >= 1 && kind <= 3 && !nfiles)
                kind = 0;
        if (kind == 5 && !ndirs)
                kind = 4;
        switch (kind) {
        case 0:
                op_create();
                return;
        case 1: {       /* hard link */
                const char *src = files[below(nfiles)];

                if (nfiles == MAX_PATHS)
                        return;
                p = new_name();
                if (link(full(src), full(p)) < 0)
                        die("link %s %s", src, p);
                sync_path(p, O_RDONLY);
                printf("link %s %s\n", src, p);
                files[nfiles++] = p;
                return;
        }
        case 2: {       /* unlink */
                size_t i = below(nfiles);

                if (unlink(full(files[i])) < 0)
                        die("unlink %s", files[i]);
                sync_parent(files[i]);
                printf("unlink %s\n", files[i]);
                forget(files, &nfiles, i);
                return;
        }
        case 3: {       /* rename */
                size_t i = below(nfiles);

                p = new_name();
                if (rename(full(files[i]), full(p)) < 0)
                        die("rename %s %s", files[i], p);
                sync_path(p, O_RDONLY);
                printf("rename %s %s\n", files[i], p);
                free(files[i]);
                files[i] = p;
                return;
        }
        case 4: {       /* mkdir */
                if (ndirs == MAX_PATHS)
                        return;
                p = new_name();
                if (mkdir(full(p), 0755) < 0)
                        die("mkdir %s", p);
                sync_path(p, O_RDONLY | O_DIRECTORY);
                sync_parent(p);
                printf("mkdir %s\n", p);
                dirs[ndirs++] = p;
                return;
        }
        case 5: {       /* rmdir, when empty */
                size_t i = below(ndirs);

                if (rmdir(full(dirs[i])) < 0) {
                        if (errno == ENOTEMPTY || errno == EEXIST)
                                return;
                        die("rmdir %s", dirs[i]);
                }
                sync_parent(dirs[i]);
                printf("rmdir %s\n", dirs[i]);
                forget(dirs, &ndirs, i);
                return;
        }
        case 6:         /* fast and slow symlinks */
        case 7: {
                char target[300];
                size_t len = kind == 6 ? 1 + below(50) : 70 + below(200);

                memset(target, 't', len);
                target[len] = '\0';
                p = new_name();
                if (symlink(target, full(p)) < 0)
                        die("symlink %s", p);
                sync_parent(p);
                printf("symlink %s %zu\n", p, len);
                free(p);
                return;
        }
        default: {      /* many names in one directory: it becomes an htree */
                char *q;
                int fd;

                if (asprintf(&q, "big/n%05u-with-a-longer-name-to-fill-blocks", ++next_name) < 0)
                        die("asprintf");
                fd = open(full(q), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
                if (fd < 0)
                        die("create %s", q);
                if (fsync(fd) < 0)
                        die("fsync %s", q);
                close(fd);
                printf("create %s 0\n", q);
                if (nfiles < MAX_PATHS)
                        files[nfiles++] = q;
                else
                        free(q);
                return;
        }
        }
}

/* The last name of a file goes and a new file is made in the same
 * directory at once: ext4 hands the new file the freed inode, so the log
 * carries an inode slot reused by a file of another kind (inline, empty,
 * with blocks) whose old blocks the replay must free. */
static void op_reuse(void) {
        struct stat st;
        size_t i, len;
        char *dir, *slash;

        if (!nfiles) {
                op_create();
                return;
        }
        i = below(nfiles);
        if (stat(full(files[i]), &st) < 0)
                die("stat %s", files[i]);
        if (st.st_nlink != 1) {
                op_data();
                return;
        }
        /* No directory fsync (that forces a full commit): the new file's
         * fsync makes the unlink durable in the same fast commit. */
        if (unlink(full(files[i])) < 0)
                die("unlink %s", files[i]);
        printf("unlink %s\n", files[i]);
        dir = strdup(files[i]);
        if (!dir)
                die("strdup");
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        forget(files, &nfiles, i);
        len = some_size();
        create_file(name_in(slash ? dir : NULL), len, 0644);
        free(dir);
}

/* Metadata churn for plain jbd2: directories filled and removed again,
 * so that freed metadata blocks appear as revoke records. */
static void op_jbd2(void) {
        char *d = new_name(), *f;
        unsigned n = 1 + below(40);

        if (mkdir(full(d), 0755) < 0)
                die("mkdir %s", d);
        for (unsigned i = 0; i < n; i++) {
                int fd;

                if (asprintf(&f, "%s/f%03u-padding-the-name-to-use-directory-space", d, i) < 0)
                        die("asprintf");
                fd = open(full(f), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
                if (fd < 0)
                        die("create %s", f);
                write_at(fd, 0, below(3) ? 0 : 5000);
                close(fd);
                free(f);
        }
        sync_path(d, O_RDONLY | O_DIRECTORY);
        sync_parent(d);
        printf("fill %s %u\n", d, n);
        if (below(3)) {
                for (unsigned i = 0; i < n; i++) {
                        if (asprintf(&f, "%s/f%03u-padding-the-name-to-use-directory-space", d, i) < 0)
                                die("asprintf");
                        if (unlink(full(f)) < 0)
                                die("unlink %s", f);
                        free(f);
                }
                if (rmdir(full(d)) < 0)
                        die("rmdir %s", d);
                sync_parent(d);
                printf("remove %s\n", d);
                free(d);
        } else if (ndirs < MAX_PATHS) {
                dirs[ndirs++] = d;
        }
        if (below(2))
                op_create();
}

/* Orphans: files unlinked while still open stay on the orphan list (or in
 * the orphan file) until closed; the descriptors stay open until the
 * power cut.  A syncfs now and then commits the list itself: fast commits
 * never carry it.  None in the tail, which fast commits alone make durable. */
#define MAX_HELD 512
static int held[MAX_HELD];
static size_t nheld;

static void op_orphan(int rootfd, bool tail) {
        char *p;
        size_t i;
        int fd;

        if (nheld == MAX_HELD || below(3)) {
                below(2) ? op_data() : op_create();
                return;
        }
        if (!nfiles || below(2))
                op_create();
        i = below(nfiles);
        p = files[i];
        fd = open(full(p), O_RDWR | O_CLOEXEC);
        if (fd < 0)
                die("open %s", p);
        if (unlink(full(p)) < 0)
                die("unlink %s", p);
        printf("unlink-open %s\n", p);
        sync_parent(p);
        /* Still written to, and made durable, after its last name went. */
        if (below(2)) {
                write_at(fd, below(20000), 1 + below(30000));
                if (fsync(fd) < 0)
                        die("fsync unlinked %s", p);
                printf("write-unlinked %s\n", p);
        }
        held[nheld++] = fd;
        forget(files, &nfiles, i);
        if (!tail && !below(4)) {
                if (syncfs(rootfd) < 0)
                        die("syncfs");
                printf("syncfs\n");
        }
}

/* A truncate during commits: a fragmented file shrinks while a child
 * commits the journal again and again, so that a commit may catch the
 * file on the orphan list mid-truncate.  The truncate ends before the
 * power cut, and so does its ext4_orphan_del: no linked orphan is left at
 * the crash (none of the generated fixtures has one).  A truncate still in
 * flight at the cut is made by make-truncate-orphan-fixture.sh, whose
 * kernel tree differs in the orphan's mtime (the mount's truncate sets it). */
static void op_truncate_in_flight(int rootfd) {
        char *p = new_name();
        pid_t child;
        int fd, status;

        fd = open(full(p), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
        if (fd < 0)
                die("create %s", p);
        for (off_t off = 0; off < 4 << 20; off += 8192)
                write_at(fd, off, 4096);
        if (fsync(fd) < 0)
                die("fsync %s", p);
        child = fork();
        if (child < 0)
                die("fork");
        if (child == 0) {
                for (int i = 0; i < 20; i++)
                        syncfs(rootfd);
                _exit(0);
        }
        if (ftruncate(fd, 5000) < 0)
                die("truncate %s", p);
        if (waitpid(child, &status, 0) < 0)
                die("waitpid");
        printf("truncate-in-flight %s 5000\n", p);
        close(fd);
        files[nfiles++] = p;
}

static void usage(FILE *f) {
        fprintf(f, "Usage: fcr-workload DIR --seed N --ops N [--profile data|ns|mixed|jbd2|reuse|files|orphan]\n"
                   "                    [--sync-every K] [--live-tree FILE] [--shutdown]\n\n"
                   "A seeded random workload on a mounted ext4, every change made durable with\n"
                   "fsync; --shutdown ends it with EXT4_IOC_SHUTDOWN (no log flush), a power cut.\n"
                   "  --sync-every K  syncfs() every K operations (full jbd2 commits)\n"
                   "  --live-tree F   before the shutdown, write the tree to F as fcr-fctree prints it\n");
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "seed", required_argument, NULL, 's' },
                { "ops", required_argument, NULL, 'o' },
                { "profile", required_argument, NULL, 'p' },
                { "sync-every", required_argument, NULL, 'S' },
                { "shutdown", no_argument, NULL, 'x' },
                { "live-tree", required_argument, NULL, 'L' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        unsigned long seed = 1, ops = 100, sync_every = 0;
        enum profile prof = P_MIXED;
        int c, rootfd, shutdown = 0;
        const char *live_tree = NULL;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 's': seed = strtoul(optarg, NULL, 0); break;
                case 'o': ops = strtoul(optarg, NULL, 0); break;
                case 'S': sync_every = strtoul(optarg, NULL, 0); break;
                case 'x': shutdown = 1; break;
                case 'L': live_tree = optarg; break;
                case 'p':
                        if (strcmp(optarg, "data") == 0)
                                prof = P_DATA;
                        else if (strcmp(optarg, "ns") == 0)
                                prof = P_NS;
                        else if (strcmp(optarg, "mixed") == 0)
                                prof = P_MIXED;
                        else if (strcmp(optarg, "jbd2") == 0)
                                prof = P_JBD2;
                        else if (strcmp(optarg, "reuse") == 0)
                                prof = P_REUSE;
                        else if (strcmp(optarg, "files") == 0)
                                prof = P_FILES;
                        else if (strcmp(optarg, "orphan") == 0)
                                prof = P_ORPHAN;
                        else {
                                fprintf(stderr, "fcr-workload: unknown profile '%s'\n", optarg);
                                return 64;
                        }
                        break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 64;
                }
        }
        if (optind != argc - 1) {
                usage(stderr);
                return 64;
        }
        root = argv[optind];
        rng = seed * 0x9E3779B97F4A7C15ULL + 1;
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                die("open %s", root);
        if (prof == P_NS || prof == P_MIXED || prof == P_REUSE) {
                if (mkdir(full("big"), 0755) < 0 && errno != EEXIST)
                        die("mkdir big");
                sync_path("big", O_RDONLY | O_DIRECTORY);
                sync_path(".", O_RDONLY | O_DIRECTORY);
        }
        for (unsigned long i = 1; i <= ops; i++) {
                switch (prof) {
                case P_DATA: below(5) ? op_data() : op_create(); break;
                case P_NS: op_ns(i > ops - ops / 10); break;
                case P_MIXED: below(2) ? op_data() : op_ns(i > ops - ops / 10); break;
                case P_JBD2: op_jbd2(); break;
                case P_FILES: op_create(); break;
                case P_REUSE: i > ops - ops / 5 ? op_reuse() : below(2) ? op_data() : op_ns(false); break;
                case P_ORPHAN:
                        i == ops - ops / 10 ? op_truncate_in_flight(rootfd) : op_orphan(rootfd, i > ops - ops / 10);
                        break;
                }
                if (sync_every && i % sync_every == 0) {
                        if (syncfs(rootfd) < 0)
                                die("syncfs");
                        printf("syncfs\n");
                }
        }
        fflush(stdout);
        /* The tree as every fsync made it durable, just before the cut. */
        if (live_tree) {
                int r = fcr_live_tree(rootfd, live_tree);

                if (r < 0) {
                        errno = -r;
                        die("writing the live tree to %s", live_tree);
                }
        }
        if (shutdown) {
                uint32_t flags = EXT4_GOING_FLAGS_NOLOGFLUSH;

                if (ioctl(rootfd, EXT4_IOC_SHUTDOWN, &flags) < 0)
                        die("EXT4_IOC_SHUTDOWN on %s", root);
                printf("shutdown\n");
        }
        close(rootfd);
        return 0;
}
