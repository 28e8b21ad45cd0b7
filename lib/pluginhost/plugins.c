#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "fastcommit/fc_format.h"
#include "plugins.h"
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

/* Sorted list of DIR/SUB/NAME.so: loading order must not depend on readdir. */
static int list_modules(const char *dir, const char *sub, char ***ret, size_t *ret_n, struct fcr_diag *d) {
        char path[4096];
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, cap = 0;
        DIR *dh;

        snprintf(path, sizeof(path), "%s/%s", dir, sub);
        dh = opendir(path);
        if (!dh)
                return fcr_fail(d, -errno, "cannot open plugin directory %s: %s", path, strerror(errno));
        while ((de = readdir(dh))) {
                size_t len = strlen(de->d_name);
                char **slot;

                if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
                        continue;
                slot = FCR_PUSH(names, n, cap);
                if (!slot || asprintf(slot, "%s/%s", path, de->d_name) < 0) {
                        closedir(dh);
                        for (size_t i = 0; i + 1 < n; i++)
                                free(names[i]);
                        free(names);
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

/* Running as root, a plugin is code run as root: refuse one that
 * someone else could have written.  The file and its directory must be
 * root's and writable by no one else. */
static int check_owner(const char *path, const struct stat *st, const char *what, struct fcr_diag *d) {
        if (st->st_uid != 0)
                return fcr_fail(d, -EPERM, "refusing plugin %s: %s is owned by uid %u, not root",
                                path, what, (unsigned) st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return fcr_fail(d, -EPERM, "refusing plugin %s: %s is group- or world-writable (mode %04o)",
                                path, what, (unsigned) (st->st_mode & 07777));
        return 0;
}

static int check_trusted(const char *path, int fd, struct fcr_diag *d) {
        _cleanup_free_ char *real = NULL;
        struct stat st;
        char *slash;
        int r;

        if (geteuid() != 0)
                return 0;
        if (fstat(fd, &st) < 0)
                return fcr_fail(d, -errno, "cannot stat plugin %s: %s", path, strerror(errno));
        r = check_owner(path, &st, "the file", d);
        if (r < 0)
                return r;
        real = realpath(path, NULL);
        if (!real)
                return fcr_fail(d, -errno, "cannot resolve plugin %s: %s", path, strerror(errno));
        slash = strrchr(real, '/');
        if (slash == real)
                slash++;
        *slash = '\0';
        if (stat(real, &st) < 0)
                return fcr_fail(d, -errno, "cannot stat the directory of plugin %s: %s", path, strerror(errno));
        return check_owner(path, &st, "its directory", d);
}

static int open_module(struct fcr_plugins *p, const char *path, const char *symbol,
                       const void **ret_desc, struct fcr_diag *d) {
        struct loaded *m;
        void *h, *sym;
        int fd, r;

        /* The file and its directory are root's alone once checked, so
         * nobody else can swap the file before dlopen reads it. */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: %s", path, strerror(errno));
        r = check_trusted(path, fd, d);
        close(fd);
        if (r < 0)
                return r;
        dlerror();
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: %s", path, dlerror());
        sym = dlsym(h, symbol);
        if (!sym) {
                dlclose(h);
                return fcr_fail(d, -ELIBBAD, "plugin %s does not export %s", path, symbol);
        }
        m = FCR_PUSH(p->mods, p->nr_mods, p->cap_mods);
        if (!m) {
                dlclose(h);
                return -ENOMEM;
        }
        *m = (struct loaded) { .handle = h, .path = strdup(path) };
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

/* Check a descriptor's version and size, then copy it at this engine's
 * full size: members an older plugin lacks read as absent, ones a newer
 * plugin adds are left out.  The copy's struct_size is the full size. */
static int copy_descriptor(const char *kind, const char *path, uint32_t version, uint32_t want_version,
                           uint32_t size, size_t min_size, const void *desc, size_t full_size, void **ret,
                           struct fcr_diag *d) {
        uint32_t *copy;

        if (version != want_version)
                return fcr_fail(d, -ELIBBAD, "%s plugin %s has ABI version %u, fcreplay needs %u", kind, path,
                                version, want_version);
        if (size < min_size)
                return fcr_fail(d, -ELIBBAD, "%s plugin %s has a descriptor of %u bytes, fewer than the %zu "
                                "of ABI version %u", kind, path, size, min_size, want_version);
        copy = calloc(1, full_size);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, desc, size < full_size ? size : full_size);
        copy[1] = full_size;    /* struct_size follows abi_version in every descriptor */
        *ret = copy;
        return 0;
}

static int load_tag(struct fcr_plugins *p, const char *path, struct fcr_diag *d) {
        const struct fcr_tag_plugin *t;
        struct fcr_tag_plugin *copy, **slot;
        int r = open_module(p, path, FCR_TAG_PLUGIN_SYMBOL, (const void **) &t, d);

        if (r < 0)
                return r;
        r = copy_descriptor("tag", path, t->abi_version, FCR_TAG_ABI_VERSION, t->struct_size,
                            FCR_TAG_PLUGIN_MIN_SIZE, t, sizeof(*copy), (void **) &copy, d);
        if (r < 0)
                return r;
        if (!copy->validate || !copy->replay || !copy->name) {
                free(copy);
                return fcr_fail(d, -ELIBBAD, "tag plugin %s lacks a required member (name, validate, replay)", path);
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
        r = check_tag_feature(copy, path, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i + 1 < p->nr_tags; i++)
                if (p->tags[i]->tag == copy->tag)
                        return fcr_fail(d, -ELIBBAD, "tag plugins %s and %s both claim tag %u",
                                        p->mods[p->tag_mods[i]].path, path, copy->tag);
        return run_init(p, copy->init, copy->fini, path, d);
}

/* Whether path is .../NAME.so. */
static bool file_is_named(const char *path, const char *name) {
        const char *base = strrchr(path, '/');
        size_t len = strlen(name);

        base = base ? base + 1 : path;
        return !strncmp(base, name, len) && !strcmp(base + len, ".so");
}

static int load_alloc(struct fcr_plugins *p, const char *path, struct fcr_diag *d) {
        const struct fcr_alloc_plugin *a;
        struct fcr_alloc_plugin *copy, **slot;
        int r = open_module(p, path, FCR_ALLOC_PLUGIN_SYMBOL, (const void **) &a, d);

        if (r < 0)
                return r;
        r = copy_descriptor("allocator", path, a->abi_version, FCR_ALLOC_ABI_VERSION, a->struct_size,
                            FCR_ALLOC_PLUGIN_MIN_SIZE, a, sizeof(*copy), (void **) &copy, d);
        if (r < 0)
                return r;
        slot = FCR_PUSH(p->allocs, p->nr_allocs, p->cap_allocs);
        if (!slot) {
                free(copy);
                return -ENOMEM;
        }
        *slot = copy;   /* freed with the set from here on */
        if (!copy->alloc || !copy->name)
                return fcr_fail(d, -ELIBBAD, "allocator plugin %s lacks a required member (name, alloc)", path);
        /* One name everywhere: listing reads it, --allocator chooses it. */
        if (!file_is_named(path, copy->name))
                return fcr_fail(d, -ELIBBAD, "allocator plugin %s calls itself '%s': its file must be named %s.so",
                                path, copy->name, copy->name);
        return run_init(p, copy->init, copy->fini, path, d);
}

static int load_kind(struct fcr_plugins *p, const char *sub,
                     int (*load)(struct fcr_plugins *, const char *, struct fcr_diag *), struct fcr_diag *d) {
        char **names = NULL;
        size_t n = 0;
        int r = list_modules(p->dir, sub, &names, &n, d);

        for (size_t i = 0; r == 0 && i < n; i++)
                r = load(p, names[i], d);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
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
                r = load_kind(p, "tags", load_tag, d);
        if (r == 0)
                r = load_kind(p, "alloc", load_alloc, d);
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

int fcr_plugins_find_alloc(const struct fcr_plugins *p, const char *name, const struct fcr_alloc_plugin **ret,
                           struct fcr_diag *d) {
        const struct fcr_alloc_plugin *a = fcr_plugins_alloc(p, name);
        char names[256] = "";

        if (a) {
                *ret = a;
                return 0;
        }
        for (size_t i = 0; i < fcr_plugins_alloc_count(p); i++)
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
                         fcr_plugins_alloc_nth(p, i)->name);
        return fcr_fail(d, -EINVAL, "no allocator plugin named '%s' in %s/alloc (available: %s)", name,
                        fcr_plugins_dir_of(p), names[0] ? names : "none");
}

int fcr_allocators_check(const char *dir, const char *name, struct fcr_diag *d) {
        const struct fcr_alloc_plugin *a;
        struct fcr_plugins *p = NULL;
        int r = fcr_plugins_load(dir, &p, d);

        if (r >= 0)
                r = fcr_plugins_find_alloc(p, name, &a, d);
        fcr_plugins_unref(p);
        return r;
}

int fcr_allocators_list(const char *dir, char ***ret, struct fcr_diag *d) {
        _cleanup_(plugins_unrefp) struct fcr_plugins *p = NULL;
        int r = plugins_new(dir, &p);

        /* The allocators alone: a listing runs no tag plugin's code. */
        if (r >= 0)
                r = load_kind(p, "alloc", load_alloc, d);
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

size_t fcr_plugins_tag_count(const struct fcr_plugins *p) {
        return p ? p->nr_tags : 0;
}

const struct fcr_tag_plugin *fcr_plugins_tag_nth(const struct fcr_plugins *p, size_t i) {
        return p && i < p->nr_tags ? p->tags[i] : NULL;
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
