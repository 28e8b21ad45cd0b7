/* Opening what root runs or obeys: see trust.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "trust.h"

#define MAX_LINKS 40            /* symlinks in one resolution, as the kernel allows */

struct walk {
        enum fcr_trust_kind kind;
        const char *what;
        char path[PATH_MAX];    /* as asked for: for messages */
        char here[PATH_MAX];    /* the directory reached, as walked: for messages */
        char todo[PATH_MAX];    /* what is left to resolve */
        int dir;                /* the directory reached (O_PATH) */
        unsigned links;
        struct fcr_diag *d;
};

bool fcr_trust_enforced(void) {
        return geteuid() == 0;
}

static const char *type_name(mode_t mode) {
        static const struct {
                mode_t type;
                const char *name;
        } names[] = {
                { S_IFREG, "a regular file" }, { S_IFDIR, "a directory" }, { S_IFLNK, "a symlink" },
                { S_IFIFO, "a FIFO" }, { S_IFSOCK, "a socket" }, { S_IFCHR, "a character device" },
                { S_IFBLK, "a block device" },
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if ((mode & S_IFMT) == names[i].type)
                        return names[i].name;
        return "of an unknown type";
}

/* "refusing WHAT PATH: REASON" */
static int __attribute__((format(printf, 3, 4))) refuse(struct walk *w, int err, const char *fmt, ...) {
        char why[PATH_MAX + 100];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        return fcr_fail(w->d, err, "refusing %s %s: %s", w->what, w->path, why);
}

/* The path of name in the directory reached; false when too long. */
static bool where(const struct walk *w, const char *name, char *buf, size_t len) {
        int n = snprintf(buf, len, "%s%s%s", w->here, strcmp(w->here, "/") ? "/" : "", name);

        return n >= 0 && (size_t) n < len;
}

/* "cannot read PATH: [COMPONENT: ]REASON" */
static int cannot(struct walk *w, const char *name, int err) {
        char at[PATH_MAX + 2] = "";

        if (name && where(w, name, at, sizeof(at) - 2) && strcmp(at, w->path))
                strcat(at, ": ");
        else
                at[0] = '\0';
        return fcr_fail(w->d, err, "cannot read %s: %s%s", w->path, at, strerror(-err));
}

/* Root's, and (unless it is a symlink, or a sticky directory such as
 * /tmp) writable by no one else. */
static int judge_owner(struct walk *w, const char *at, const struct stat *st) {
        bool sticky_dir = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);

        if (!fcr_trust_enforced())
                return 0;
        if (st->st_uid != 0)
                return refuse(w, -EPERM, "%s is owned by uid %u, not root", at, (unsigned) st->st_uid);
        if (!S_ISLNK(st->st_mode) && !sticky_dir && (st->st_mode & (S_IWGRP | S_IWOTH)))
                return refuse(w, -EPERM, "%s is group- or world-writable (mode %04o)", at,
                              (unsigned) (st->st_mode & 07777));
        return 0;
}

static bool is_null_device(const struct stat *st) {
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/* The object asked for: of the kind wanted, and trusted. */
static int judge_last(struct walk *w, const char *at, const struct stat *st) {
        if (w->kind == FCR_TRUST_DIR && !S_ISDIR(st->st_mode))
                return refuse(w, -EMEDIUMTYPE, "%s is %s, not a directory", at, type_name(st->st_mode));
        if (w->kind == FCR_TRUST_CONFIG && is_null_device(st))
                return 0;       /* what anyone writes to it is never read back */
        if (w->kind != FCR_TRUST_DIR && !S_ISREG(st->st_mode))
                return refuse(w, -EMEDIUMTYPE, "%s is %s, not a regular file", at, type_name(st->st_mode));
        return judge_owner(w, at, st);
}

static int open_root(struct walk *w) {
        struct stat st;
        int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || fstat(fd, &st) < 0) {
                int r = cannot(w, "", -errno);

                if (fd >= 0)
                        close(fd);
                return r;
        }
        if (w->dir >= 0)
                close(w->dir);
        w->dir = fd;
        strcpy(w->here, "/");
        return judge_owner(w, "/", &st);
}

/* Put target (a symlink's) in front of what is left to resolve. */
static int follow(struct walk *w, int fd, const char *name) {
        char target[PATH_MAX];
        size_t rest = strlen(w->todo);
        ssize_t n;

        if (++w->links > MAX_LINKS)
                return cannot(w, name, -ELOOP);
        n = readlinkat(fd, "", target, sizeof(target));
        if (n < 0)
                return cannot(w, name, -errno);
        if (n == 0)
                return cannot(w, name, -ENOENT);
        if ((size_t) n + 1 + rest + 1 > sizeof(w->todo))
                return cannot(w, name, -ENAMETOOLONG);
        memmove(w->todo + n + 1, w->todo, rest + 1);
        memcpy(w->todo, target, n);
        w->todo[n] = '/';
        return target[0] == '/' ? open_root(w) : 0;
}

/* Step into directory fd, which is at (name in the directory reached). */
static void descend(struct walk *w, int fd, const char *name, const char *at) {
        char *slash;

        close(w->dir);
        w->dir = fd;
        if (!strcmp(name, ".."))  {
                slash = strrchr(w->here, '/');
                if (slash)
                        slash[slash == w->here] = '\0';
        } else if (strcmp(name, "."))
                memcpy(w->here, at, strlen(at) + 1);
}

/* Open the object checked (st) for use, and make sure it is the one. */
static int reopen(struct walk *w, const char *name, const struct stat *st, int *ret_fd) {
        int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        struct stat now;
        int fd;

        fd = openat(w->dir, name, flags | (w->kind == FCR_TRUST_DIR ? O_DIRECTORY : 0));
        if (fd < 0)
                return cannot(w, name, -errno);
        if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
                close(fd);
                return refuse(w, -ESTALE, "it changed while it was checked");
        }
        *ret_fd = fd;
        return 0;
}

static bool nothing_left(const char *todo) {
        return todo[strspn(todo, "/")] == '\0';
}

/* Resolve name, one component, in the directory reached: a directory
 * to go on from, a symlink to follow, or (last) the object asked for,
 * whose descriptor goes to *ret_fd. */
static int step(struct walk *w, const char *name, int *ret_fd) {
        char at[PATH_MAX];
        struct stat st;
        int fd, r;

        fd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cannot(w, name, -errno);
        if (fstat(fd, &st) < 0) {
                r = cannot(w, name, -errno);
                close(fd);
                return r;
        }
        if (!where(w, name, at, sizeof(at)))
                r = cannot(w, NULL, -ENAMETOOLONG);
        else if (S_ISLNK(st.st_mode)) {
                r = judge_owner(w, at, &st);
                if (r >= 0)
                        r = follow(w, fd, name);
        } else if (nothing_left(w->todo)) {
                r = judge_last(w, at, &st);
                if (r >= 0)
                        r = reopen(w, name, &st, ret_fd);
        } else if (!S_ISDIR(st.st_mode))
                r = cannot(w, name, -ENOTDIR);
        else {
                r = judge_owner(w, at, &st);
                if (r >= 0) {
                        descend(w, fd, name, at);
                        return 0;
                }
        }
        close(fd);
        return r;
}

/* The next component of todo into name: 1, or 0 when none is left. */
static int pop(char *todo, char *name, size_t size) {
        char *s = todo + strspn(todo, "/");
        size_t len = strcspn(s, "/");

        if (len == 0)
                return 0;
        if (len >= size)
                return -ENAMETOOLONG;
        memcpy(name, s, len);
        name[len] = '\0';
        memmove(todo, s + len, strlen(s + len) + 1);
        return 1;
}

/* Where the walk starts: /, with the current directory's path in front
 * of a relative path, or a directory already opened here. */
static int start(struct walk *w, int dir_fd, const char *dir_path, const char *path) {
        char cwd[PATH_MAX];
        int n;

        if (path[0] != '/' && dir_fd != AT_FDCWD) {
                snprintf(w->path, sizeof(w->path), "%s/%s", dir_path, path);
                snprintf(w->here, sizeof(w->here), "%s", dir_path);
                n = snprintf(w->todo, sizeof(w->todo), "%s", path);
                w->dir = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
                if (w->dir < 0)
                        return cannot(w, NULL, -errno);
                return n < (int) sizeof(w->todo) ? 0 : cannot(w, NULL, -ENAMETOOLONG);
        }
        snprintf(w->path, sizeof(w->path), "%s", path);
        if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
                return cannot(w, NULL, -errno);
        n = snprintf(w->todo, sizeof(w->todo), "%s%s%s", path[0] == '/' ? "" : cwd, path[0] == '/' ? "" : "/", path);
        if (n >= (int) sizeof(w->todo))
                return cannot(w, NULL, -ENAMETOOLONG);
        return open_root(w);
}

int fcr_trust_open(int dir_fd, const char *dir_path, const char *path, enum fcr_trust_kind kind,
                   const char *what, int *ret_fd, struct fcr_diag *d) {
        struct walk w = { .kind = kind, .what = what, .dir = -1, .d = d };
        char name[NAME_MAX + 1];
        int fd = -1, r;

        r = start(&w, dir_fd, dir_path, path);
        while (r >= 0 && fd < 0) {
                r = pop(w.todo, name, sizeof(name));
                if (r == 0)
                        r = cannot(&w, NULL, -EISDIR);  /* "/", or a path of "." and ".." ending in a directory */
                else if (r > 0)
                        r = step(&w, name, &fd);
                else
                        r = cannot(&w, NULL, r);
        }
        if (w.dir >= 0)
                close(w.dir);
        if (r < 0)
                return r;
        *ret_fd = fd;
        return 0;
}
