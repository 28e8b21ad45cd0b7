#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "fastcommit/fc_format.h"
#include "plugin_elf.h"
#include "plugins.h"
#include "trust.h"
#include <fcreplay/util.h>

#ifndef PKGLIBDIR
#define PKGLIBDIR "/usr/lib/fcreplay"
#endif

struct loaded {
        void *handle;
        char *path;
        void (*fini)(void);
};

struct fcr_plugins {
        unsigned refcount;
        char *dir;
        struct loaded *mods;
        size_t nr_mods, cap_mods;
        struct fcr_tag_plugin **tags;  /* copies, full size */
        size_t nr_tags, cap_tags;
        size_t *tag_mods;               /* tags[i] came from mods[tag_mods[i]] */
        size_t cap_tag_mods;
        struct fcr_alloc_plugin **allocs;       /* copies at full size */
        size_t nr_allocs, cap_allocs;
};

const char *fcr_plugin_dir(const char *explicit_dir) {
        const char *env = getenv("FCREPLAY_PLUGIN_DIR");

        if (explicit_dir && *explicit_dir)
                return explicit_dir;
        return env && *env ? env : PKGLIBDIR;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void free_names(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* The NAME.so in directory fd (path), sorted: loading order must not
 * depend on readdir. */
static int list_modules(int fd, const char *path, char ***ret, size_t *ret_n, struct fcr_diag *d) {
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, cap = 0;
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *dh = dfd < 0 ? NULL : fdopendir(dfd);

        if (!dh) {
                int r = fcr_fail(d, -errno, "cannot read plugin directory %s: %s", path, strerror(errno));

                if (dfd >= 0)
                        close(dfd);
                return r;
        }
        while ((de = readdir(dh))) {
                size_t len = strlen(de->d_name);
                char **slot;

                if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
                        continue;
                slot = FCR_PUSH(names, n, cap);
                if (!slot || !(*slot = strdup(de->d_name))) {
                        closedir(dh);
                        free_names(names, slot ? n - 1 : n);
                        return -ENOMEM;
                }
        }
        closedir(dh);
        if (n)
                qsort(names, n, sizeof(*names), cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
}

/* One plugin file: name in the directory dir_fd, which is dir_path. */
struct plugin_file {
        int dir_fd;
        const char *dir_path;
        const char *name;
        char path[PATH_MAX];            /* dir_path/name, for messages */
};

/* Open a plugin file as it is to be loaded: trusted (trust.h: when
 * running as root, a plugin is code run as root, so the file and every
 * directory above it must be root's alone), a regular file (a FIFO
 * never blocks), and an ELF shared object exporting symbol, all told
 * from the descriptor that is then loaded.  ret_head: the descriptor's
 * abi_version and struct_size as the file holds them. */
static int open_plugin_file(const struct plugin_file *f, const char *symbol, uint32_t ret_head[2], int *ret_fd,
                            struct fcr_diag *d) {
        int fd, r;

        r = fcr_trust_open(f->dir_fd, f->dir_path, f->name, FCR_TRUST_FILE, "plugin", &fd, d);
        if (r < 0)
                return r == -ENOMEM ? r : -ELIBBAD;
        r = fcr_plugin_elf_check(fd, f->path, symbol, ret_head, d);
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* A name for the file open on fd that no dlopen() in this process has
 * used before: glibc takes an object whose name matches as the one asked
 * for, before it looks at the file, and /proc/self/fd/N names another
 * file once N is closed and reused while an object loaded under that
 * name stays loaded (another set holds it).  Each call spells the path
 * differently: a count, written in "/" and "./" steps, which the kernel
 * resolves as nothing. */
static void fd_name(int fd, char *buf, size_t len) {
        static unsigned long count;
        unsigned long c = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
        size_t n = (size_t) snprintf(buf, len, "/proc/self/");

        for (; c && n + 3 < len; c >>= 1)
                n += (size_t) snprintf(buf + n, len - n, "%s", c & 1 ? "./" : "/");
        snprintf(buf + n, len - n, "fd/%d", fd);
}

/* Load what was checked: the open descriptor, never the path again. */
static int dlopen_fd(int fd, const char *path, void **ret, struct fcr_diag *d) {
        char self[256];
        void *h;

        fd_name(fd, self, sizeof(self));
        dlerror();
        h = dlopen(self, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: %s", path, dlerror());
        *ret = h;
        return 0;
}

static int open_module(struct fcr_plugins *p, const struct plugin_file *f, const char *symbol,
                       const void **ret_desc, struct fcr_diag *d) {
        uint32_t head[2];
        struct loaded *m;
        void *h = NULL, *sym;
        int fd, r;

        r = open_plugin_file(f, symbol, head, &fd, d);
        if (r < 0)
                return r;
        r = dlopen_fd(fd, f->path, &h, d);
        close(fd);
        if (r < 0)
                return r;
        sym = dlsym(h, symbol);
        if (!sym) {
                dlclose(h);
                return fcr_fail(d, -ELIBBAD, "plugin %s does not export %s", f->path, symbol);
        }
        m = FCR_PUSH(p->mods, p->nr_mods, p->cap_mods);
        if (!m || !(m->path = strdup(f->path))) {
                if (m)
                        p->nr_mods--;
                dlclose(h);
                return -ENOMEM;
        }
        m->handle = h;
        m->fini = NULL;
        *ret_desc = sym;
        return 0;
}

static int run_init(struct fcr_plugins *p, int (*init)(void), void (*fini)(void), const char *path,
                    struct fcr_diag *d) {
        int r;

        if (init) {
                r = init();
                if (r < 0)
                        return fcr_fail(d, -ELIBBAD, "plugin %s failed to initialise: %s", path, strerror(-r));
        }
        p->mods[p->nr_mods - 1].fini = fini;
        return 0;
}

/* A kernel tag needs no HEAD feature; a new one needs exactly one bit.
 * The framing is the engine's. */
static int check_tag_feature(const struct fcr_tag_plugin *t, const char *path, struct fcr_diag *d) {
        if (t->tag == 0)
                return fcr_fail(d, -ELIBBAD, "tag plugin %s claims tag 0, which no log holds", path);
        if (fc_tag_is_framing(t->tag))
                return fcr_fail(d, -ELIBBAD, "tag plugin %s claims tag %u (%s), which is framing: the engine "
                                "decodes HEAD, TAIL and PAD itself (fcreplay 0.1.0 shipped head.so, tail.so and "
                                "pad.so: remove them)", path, t->tag, t->name ? t->name : "?");
        if (t->tag <= FC_TAG_MAX)
                return t->head_feature == 0 ? 0 :
                       fcr_fail(d, -ELIBBAD, "tag plugin %s handles the kernel's tag %u, which no HEAD feature "
                                "announces, but names HEAD feature 0x%x", path, t->tag, t->head_feature);
        if (t->head_feature == 0 || (t->head_feature & (t->head_feature - 1)))
                return fcr_fail(d, -ELIBBAD, "tag plugin %s handles tag %u, which the kernel does not define, "
                                "but does not name the one HEAD feature bit that announces it", path, t->tag);
        return 0;
}

_Static_assert(offsetof(struct fcr_tag_plugin, struct_size) == sizeof(uint32_t), "tag descriptor header");
_Static_assert(offsetof(struct fcr_alloc_plugin, struct_size) == sizeof(uint32_t), "allocator descriptor header");

struct plugin_kind {
        const char *sub;                /* DIR/sub/NAME.so */
        const char *what;               /* for messages */
        const char *symbol;             /* the descriptor */
        uint32_t abi_version;
        size_t min_size, full_size;
};

static const struct plugin_kind tag_kind = {
        "tags", "tag", FCR_TAG_PLUGIN_SYMBOL, FCR_TAG_ABI_VERSION, FCR_TAG_PLUGIN_MIN_SIZE,
        sizeof(struct fcr_tag_plugin),
};
static const struct plugin_kind alloc_kind = {
        "alloc", "allocator", FCR_ALLOC_PLUGIN_SYMBOL, FCR_ALLOC_ABI_VERSION, FCR_ALLOC_PLUGIN_MIN_SIZE,
        sizeof(struct fcr_alloc_plugin),
};

/* A descriptor's version and size (its first two words), wherever read. */
static int check_abi(const struct plugin_kind *k, const char *path, const uint32_t head[2], struct fcr_diag *d) {
        if (head[0] != k->abi_version)
                return fcr_fail(d, -ELIBBAD, "%s plugin %s has ABI version %u, fcreplay needs %u", k->what, path,
                                head[0], k->abi_version);
        if (head[1] < k->min_size)
                return fcr_fail(d, -ELIBBAD, "%s plugin %s has a descriptor of %u bytes, fewer than the %zu "
                                "of ABI version %u", k->what, path, head[1], k->min_size, k->abi_version);
        return 0;
}

/* Check a loaded descriptor's version and size, then copy it at this
 * engine's full size: members an older plugin lacks read as absent, ones
 * a newer plugin adds are left out.  The copy's struct_size is the full
 * size. */
static int copy_descriptor(const struct plugin_kind *k, const char *path, const void *desc, void **ret,
                           struct fcr_diag *d) {
        uint32_t head[2], *copy;
        int r;

        memcpy(head, desc, sizeof(head));
        r = check_abi(k, path, head, d);
        if (r < 0)
                return r;
        copy = calloc(1, k->full_size);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, desc, head[1] < k->full_size ? head[1] : k->full_size);
        copy[1] = k->full_size;         /* struct_size follows abi_version in every descriptor */
        *ret = copy;
        return 0;
}

static int load_tag(struct fcr_plugins *p, const struct plugin_file *f, struct fcr_diag *d) {
        const struct fcr_tag_plugin *t;
        struct fcr_tag_plugin *copy, **slot;
        int r = open_module(p, f, FCR_TAG_PLUGIN_SYMBOL, (const void **) &t, d);

        if (r < 0)
                return r;
        r = copy_descriptor(&tag_kind, f->path, t, (void **) &copy, d);
        if (r < 0)
                return r;
        if (!copy->validate || !copy->replay || !copy->name) {
                free(copy);
                return fcr_fail(d, -ELIBBAD, "tag plugin %s lacks a required member (name, validate, replay)",
                                f->path);
        }
        slot = FCR_PUSH(p->tags, p->nr_tags, p->cap_tags);
        if (!slot) {
                free(copy);
                return -ENOMEM;
        }
        *slot = copy;
        if (fcr_grow((void **) &p->tag_mods, &p->cap_tag_mods, p->nr_tags, sizeof(*p->tag_mods)) < 0)
                return -ENOMEM;
        p->tag_mods[p->nr_tags - 1] = p->nr_mods - 1;
        r = check_tag_feature(copy, f->path, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i + 1 < p->nr_tags; i++)
                if (p->tags[i]->tag == copy->tag)
                        return fcr_fail(d, -ELIBBAD, "tag plugins %s and %s both claim tag %u",
                                        p->mods[p->tag_mods[i]].path, f->path, copy->tag);
        return run_init(p, copy->init, copy->fini, f->path, d);
}

/* Whether path is .../NAME.so. */
static bool file_is_named(const char *path, const char *name) {
        const char *base = strrchr(path, '/');
        size_t len = strlen(name);

        base = base ? base + 1 : path;
        return !strncmp(base, name, len) && !strcmp(base + len, ".so");
}

static int load_alloc(struct fcr_plugins *p, const struct plugin_file *f, struct fcr_diag *d) {
        const struct fcr_alloc_plugin *a;
        struct fcr_alloc_plugin *copy, **slot;
        int r = open_module(p, f, FCR_ALLOC_PLUGIN_SYMBOL, (const void **) &a, d);

        if (r < 0)
                return r;
        r = copy_descriptor(&alloc_kind, f->path, a, (void **) &copy, d);
        if (r < 0)
                return r;
        slot = FCR_PUSH(p->allocs, p->nr_allocs, p->cap_allocs);
        if (!slot) {
                free(copy);
                return -ENOMEM;
        }
        *slot = copy;   /* freed with the set from here on */
        if (!copy->alloc || !copy->name)
                return fcr_fail(d, -ELIBBAD, "allocator plugin %s lacks a required member (name, alloc)", f->path);
        /* One name everywhere: listing reads it, --allocator chooses it. */
        if (!file_is_named(f->path, copy->name))
                return fcr_fail(d, -ELIBBAD, "allocator plugin %s calls itself '%s': its file must be named %s.so",
                                f->path, copy->name, copy->name);
        return run_init(p, copy->init, copy->fini, f->path, d);
}

typedef int (*file_fn)(struct fcr_plugins *p, const struct plugin_file *f, struct fcr_diag *d);

/* Call fn for each DIR/SUB/NAME.so, in sorted order, until one fails.
 * The directory is opened once, trusted, and each file from it. */
static int for_each_file(struct fcr_plugins *p, const char *sub, file_fn fn, char ***ret_names, size_t *ret_n,
                         struct fcr_diag *d) {
        char path[PATH_MAX], **names = NULL;
        size_t n = 0;
        int fd, r;

        if (snprintf(path, sizeof(path), "%s/%s", p->dir, sub) >= (int) sizeof(path))
                return fcr_fail(d, -ENAMETOOLONG, "plugin directory %s: name too long", p->dir);
        r = fcr_trust_open(AT_FDCWD, NULL, path, FCR_TRUST_DIR, "plugin directory", &fd, d);
        if (r < 0)
                return r;
        r = list_modules(fd, path, &names, &n, d);
        for (size_t i = 0; r == 0 && i < n; i++) {
                struct plugin_file f = { .dir_fd = fd, .dir_path = path, .name = names[i] };

                if (snprintf(f.path, sizeof(f.path), "%s/%s", path, names[i]) >= (int) sizeof(f.path))
                        r = fcr_fail(d, -ENAMETOOLONG, "plugin %s/%s: name too long", path, names[i]);
                else
                        r = fn(p, &f, d);
        }
        close(fd);
        if (r == 0 && ret_names) {
                *ret_names = names;
                *ret_n = n;
        } else
                free_names(names, n);
        return r;
}

static int load_kind(struct fcr_plugins *p, const char *sub, file_fn load, struct fcr_diag *d) {
        return for_each_file(p, sub, load, NULL, NULL, d);
}

static void plugins_unrefp(struct fcr_plugins **p) {
        fcr_plugins_unref(*p);
}

static int plugins_new(const char *dir, struct fcr_plugins **ret) {
        struct fcr_plugins *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->refcount = 1;
        p->dir = strdup(dir);
        if (!p->dir) {
                fcr_plugins_unref(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

int fcr_plugins_load(const char *dir, struct fcr_plugins **ret, struct fcr_diag *d) {
        _cleanup_(plugins_unrefp) struct fcr_plugins *p = NULL;
        int r = plugins_new(dir, &p);

        if (r == 0)
                r = load_kind(p, tag_kind.sub, load_tag, d);
        if (r == 0)
                r = load_kind(p, alloc_kind.sub, load_alloc, d);
        if (r < 0)
                return r;
        *ret = p;
        p = NULL;
        return 0;
}

struct fcr_plugins *fcr_plugins_ref(struct fcr_plugins *p) {
        if (p)
                p->refcount++;
        return p;
}

void fcr_plugins_unref(struct fcr_plugins *p) {
        if (!p || --p->refcount > 0)
                return;
        /* Unload in reverse order of loading. */
        for (size_t i = p->nr_mods; i-- > 0;) {
                if (p->mods[i].fini)
                        p->mods[i].fini();
                dlclose(p->mods[i].handle);
                free(p->mods[i].path);
        }
        free(p->mods);
        for (size_t i = 0; i < p->nr_tags; i++)
                free(p->tags[i]);
        free(p->tags);
        free(p->tag_mods);
        for (size_t i = 0; i < p->nr_allocs; i++)
                free(p->allocs[i]);
        free(p->allocs);
        free(p->dir);
        free(p);
}

const struct fcr_tag_plugin *fcr_plugins_tag(const struct fcr_plugins *p, uint16_t tag) {
        for (size_t i = 0; p && i < p->nr_tags; i++)
                if (p->tags[i]->tag == tag)
                        return p->tags[i];
        return NULL;
}

const struct fcr_alloc_plugin *fcr_plugins_alloc(const struct fcr_plugins *p, const char *name) {
        for (size_t i = 0; p && i < p->nr_allocs; i++)
                if (strcmp(p->allocs[i]->name, name) == 0)
                        return p->allocs[i];
        return NULL;
}

/* "no allocator plugin named NAME in DIR/alloc (available: A, B)";
 * names: allocator names, or their files' names (NAME.so). */
static int no_allocator(const char *dir, const char *name, char *const *names, size_t n, struct fcr_diag *d) {
        char list[256] = "";

        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(names[i]);

                if (len > 3 && !strcmp(names[i] + len - 3, ".so"))
                        len -= 3;
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%.*s", i ? ", " : "", (int) len,
                         names[i]);
        }
        return fcr_fail(d, -EINVAL, "no allocator plugin named '%s' in %s/alloc (available: %s)", name, dir,
                        list[0] ? list : "none");
}

int fcr_plugins_find_alloc(const struct fcr_plugins *p, const char *name, const struct fcr_alloc_plugin **ret,
                           struct fcr_diag *d) {
        const struct fcr_alloc_plugin *a = fcr_plugins_alloc(p, name);
        _cleanup_free_ char **names = NULL;

        if (a) {
                *ret = a;
                return 0;
        }
        names = calloc(p->nr_allocs + 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < p->nr_allocs; i++)
                names[i] = (char *) p->allocs[i]->name;
        return no_allocator(p->dir, name, names, p->nr_allocs, d);
}

/* What loading checks first, from the file alone: trust, type, the
 * descriptor exported, its ABI version and size. */
static int probe_file(const struct plugin_kind *k, const struct plugin_file *f, struct fcr_diag *d) {
        uint32_t head[2];
        int fd, r = open_plugin_file(f, k->symbol, head, &fd, d);

        if (r < 0)
                return r;
        close(fd);
        return check_abi(k, f->path, head, d);
}

static int probe_tag(struct fcr_plugins *p, const struct plugin_file *f, struct fcr_diag *d) {
        return probe_file(&tag_kind, f, d);
}

static int probe_alloc(struct fcr_plugins *p, const struct plugin_file *f, struct fcr_diag *d) {
        return probe_file(&alloc_kind, f, d);
}

int fcr_plugins_available(const char *dir, const char *allocator, struct fcr_diag *d) {
        _cleanup_(plugins_unrefp) struct fcr_plugins *p = NULL;
        char **names = NULL, file[NAME_MAX + 1];
        size_t n = 0;
        bool found = !allocator;
        int r = plugins_new(dir, &p);

        if (r >= 0)
                r = for_each_file(p, tag_kind.sub, probe_tag, NULL, NULL, d);
        if (r >= 0)
                r = for_each_file(p, alloc_kind.sub, probe_alloc, &names, &n, d);
        if (r < 0)
                return r;
        snprintf(file, sizeof(file), "%s.so", allocator ? allocator : "");
        for (size_t i = 0; i < n && !found; i++)
                found = !strcmp(names[i], file);
        if (!found)
                r = no_allocator(dir, allocator, names, n, d);
        free_names(names, n);
        return r;
}

int fcr_allocators_check(const char *dir, const char *name, struct fcr_diag *d) {
        return fcr_plugins_available(dir, name, d);
}

int fcr_allocators_list(const char *dir, char ***ret, struct fcr_diag *d) {
        _cleanup_(plugins_unrefp) struct fcr_plugins *p = NULL;
        int r = plugins_new(dir, &p);

        /* The allocators alone: a listing runs no tag plugin's code. */
        if (r >= 0)
                r = load_kind(p, alloc_kind.sub, load_alloc, d);
        if (r < 0)
                return r;
        return fcr_plugins_alloc_names(p, ret);
}

int fcr_plugins_alloc_names(const struct fcr_plugins *p, char ***ret) {
        char **names = calloc(p->nr_allocs + 1, sizeof(*names));

        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < p->nr_allocs; i++)
                if (!(names[i] = strdup(p->allocs[i]->name))) {
                        fcr_allocators_free(names);
                        return -ENOMEM;
                }
        *ret = names;
        return 0;
}

void fcr_allocators_free(char **names) {
        for (char **n = names; n && *n; n++)
                free(*n);
        free(names);
}

size_t fcr_plugins_alloc_count(const struct fcr_plugins *p) {
        return p ? p->nr_allocs : 0;
}

const struct fcr_alloc_plugin *fcr_plugins_alloc_nth(const struct fcr_plugins *p, size_t i) {
        return p && i < p->nr_allocs ? p->allocs[i] : NULL;
}

const char *fcr_plugins_dir_of(const struct fcr_plugins *p) {
        return p->dir;
}

uint32_t fcr_plugins_features(const struct fcr_plugins *p) {
        uint32_t f = 0;

        for (size_t i = 0; p && i < p->nr_tags; i++)
                f |= p->tags[i]->head_feature;
        return f;
}

int fcr_plugins_validate(const struct fcr_plugins *p, const struct fcr_fs_geometry *g, uint32_t head_features,
                         uint16_t tag, const uint8_t *value, uint16_t len) {
        const struct fcr_tag_plugin *t = fcr_plugins_tag(p, tag);

        /* A new tag counts only where its HEAD announced it. */
        if (!t || (t->head_feature && !(t->head_feature & head_features)))
                return -ENOENT;
        return t->validate(g, value, len) == 0;
}
