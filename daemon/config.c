#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/allocators.h>
#include <fcreplay/conf_file.h>
#include <fcreplay/plugin_set.h>
#include "daemon_config.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONFIG_DEFAULT SYSCONFDIR "/fcreplay/fcreplayd.conf"

const char *fcrd_config_path(void) {
        const char *env = getenv("FCREPLAYD_CONFIG");

        return env && *env ? env : CONFIG_DEFAULT;
}

static int parse_bool(const char *key, const char *v, bool *ret, char *why, size_t why_len) {
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
                *ret = true;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
                *ret = false;
        else {
                snprintf(why, why_len, "%s must be yes or no, not '%s'", key, v);
                return -EINVAL;
        }
        return 0;
}

static int parse_uint(const char *key, const char *v, unsigned min, unsigned max, unsigned *ret, char *why,
                      size_t why_len) {
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (errno || *end || end == v || n < min || n > max) {
                snprintf(why, why_len, "%s must be a whole number from %u to %u, not '%s'", key, min, max, v);
                return -EINVAL;
        }
        *ret = n;
        return 0;
}

/* "pattern pattern ...": path globs, UUID=..., LABEL=... */
static int parse_patterns(const char *key, const char *v, char **list, unsigned *n, char *why, size_t why_len) {
        char *copy = strdup(v), *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                if (*n == FCRD_MAX_PATTERNS) {
                        snprintf(why, why_len, "%s: more than %d patterns", key, FCRD_MAX_PATTERNS);
                        free(copy);
                        return -EINVAL;
                }
                if (w[0] != '/' && strncmp(w, "UUID=", 5) && strncmp(w, "LABEL=", 6)) {
                        snprintf(why, why_len, "%s: '%s' is neither a /dev path glob nor UUID=... or LABEL=...",
                                 key, w);
                        free(copy);
                        return -EINVAL;
                }
                /* An empty UUID= or LABEL= would match devices without one. */
                if (!strcmp(w, "UUID=") || !strcmp(w, "LABEL=")) {
                        snprintf(why, why_len, "%s: '%s' names no %s", key, w, w[0] == 'U' ? "UUID" : "label");
                        free(copy);
                        return -EINVAL;
                }
                list[*n] = strdup(w);
                if (!list[(*n)++]) {
                        free(copy);
                        return -ENOMEM;
                }
        }
        free(copy);
        return 0;
}

struct daemon_parse {
        struct fcrd_config *c;
        const char *path;
};

static int daemon_key(const char *key, const char *v, unsigned line, void *userdata, char *why, size_t why_len) {
        struct daemon_parse *p = userdata;
        struct fcrd_config *c = p->c;

        int r = fcr_tool_config_key(&c->shared, p->path, line, key, v, why, why_len);

        if (r != 0)
                return r < 0 ? r : 0;
        if (!strcmp(key, "watch"))
                return parse_patterns(key, v, c->watch, &c->n_watch, why, why_len);
        if (!strcmp(key, "include"))
                return parse_patterns(key, v, c->include, &c->n_include, why, why_len);
        if (!strcmp(key, "exclude"))
                return parse_patterns(key, v, c->exclude, &c->n_exclude, why, why_len);
        if (!strcmp(key, "auto_replay"))
                return parse_bool(key, v, &c->auto_replay, why, why_len);
        if (!strcmp(key, "dry_run"))
                return parse_bool(key, v, &c->dry_run, why, why_len);
        if (!strcmp(key, "timeout"))
                return parse_uint(key, v, 0, 86400, &c->timeout_sec, why, why_len);
        if (!strcmp(key, "parallel"))
                return parse_uint(key, v, 1, 64, &c->parallel, why, why_len);
        snprintf(why, why_len, "unknown key '%s' (known: allocator, plugin_dir, watch, include, exclude, "
                 "auto_replay, dry_run, timeout, parallel)", key);
        return -EINVAL;
}

int fcrd_config_load(const char *path, struct fcrd_config *ret, struct fcr_diag *d) {
        struct fcrd_config c = { .auto_replay = true, .timeout_sec = FCRD_DEFAULT_TIMEOUT_SEC, .parallel = 4 };
        struct daemon_parse p = { .c = &c, .path = path };
        struct fcrd_cmdline k;
        int r;

        r = fcr_config_parse(path, !strcmp(path, CONFIG_DEFAULT), daemon_key, &p, d);
        if (r >= 0)
                r = fcrd_cmdline_read(&k, d);
        if (r < 0) {
                fcrd_config_done(&c);
                return r;
        }
        /* The kernel command line wins, as fsck.mode= does. */
        if (k.mode >= 0)
                c.auto_replay = k.mode;
        c.skip_by_cmdline = k.mode == 0;
        if (k.allocator) {
                free(c.shared.allocator);
                c.shared.allocator = k.allocator;
                snprintf(c.shared.allocator_origin, sizeof(c.shared.allocator_origin), "%s: fcreplay.allocator=",
                         k.path);
        }
        *ret = c;
        return 0;
}

unsigned fcrd_config_child_limit(const struct fcrd_config *c) {
        return c->timeout_sec ? c->timeout_sec : FCRD_DEFAULT_TIMEOUT_SEC;
}

const char *fcrd_config_allocator(const struct fcrd_config *c) {
        return c->shared.allocator ? c->shared.allocator : FCR_DEFAULT_ALLOCATOR;
}

int fcrd_config_verify(struct fcrd_config *c, bool load, struct fcr_diag *d) {
        const struct fcr_alloc_plugin *a;
        char why[sizeof(d->msg)];
        int r;

        /* Without load, checked as dlopen would load them but not loaded: a
         * clean boot runs no plugin code (issue 20). */
        if (!load)
                r = fcr_plugins_available(fcr_plugin_dir(c->shared.plugin_dir), fcrd_config_allocator(c), d);
        else if (!fcrd_config_plugins(c, d))
                r = -ENOENT;
        else
                r = fcr_plugins_find_alloc(c->plugins, fcrd_config_allocator(c), &a, d);
        if (r >= 0 || !c->shared.allocator_origin[0])
                return r;
        snprintf(why, sizeof(why), "%s", d->msg);
        return fcr_fail(d, r, "%s: %s", c->shared.allocator_origin, why);
}

struct fcr_plugins *fcrd_config_plugins(struct fcrd_config *c, struct fcr_diag *d) {
        if (!c->plugins && fcr_plugins_load(fcr_plugin_dir(c->shared.plugin_dir), &c->plugins, d) < 0)
                return NULL;
        return c->plugins;
}

static void print_patterns(FILE *f, const char *key, char *const *list, unsigned n, const char *none) {
        fprintf(f, "%s =", key);
        for (unsigned i = 0; i < n; i++)
                fprintf(f, " %s", list[i]);
        fprintf(f, "%s\n", n ? "" : none);
}

void fcrd_config_print(FILE *f, const struct fcrd_config *c) {
        const char *no_auto = fcrd_config_no_auto_replay(c);

        fprintf(f, "allocator = %s%s%s\n", fcrd_config_allocator(c), c->shared.allocator_origin[0] ? "  # from " : "",
                c->shared.allocator_origin);
        fprintf(f, "plugin_dir = %s\n", fcr_plugin_dir(c->shared.plugin_dir));
        print_patterns(f, "watch", c->watch, c->n_watch, "  # every device");
        print_patterns(f, "include", c->include, c->n_include, "  # none: what this boot mounts only");
        print_patterns(f, "exclude", c->exclude, c->n_exclude, "  # none");
        fprintf(f, "auto_replay = %s%s%s\n", c->auto_replay ? "yes" : "no", no_auto ? "  # off by " : "",
                no_auto ? no_auto : "");
        fprintf(f, "dry_run = %s\n", c->dry_run ? "yes" : "no");
        fprintf(f, "timeout = %u\n", c->timeout_sec);
        fprintf(f, "parallel = %u\n", c->parallel);
}

void fcrd_config_done(struct fcrd_config *c) {
        fcr_tool_config_done(&c->shared);
        fcr_plugins_unref(c->plugins);
        for (unsigned i = 0; i < c->n_watch; i++)
                free(c->watch[i]);
        for (unsigned i = 0; i < c->n_include; i++)
                free(c->include[i]);
        for (unsigned i = 0; i < c->n_exclude; i++)
                free(c->exclude[i]);
        *c = (struct fcrd_config) {};
}

const char *fcrd_config_no_auto_replay(const struct fcrd_config *c) {
        if (c->auto_replay)
                return NULL;
        return c->skip_by_cmdline ? "fcreplay.mode=skip on the kernel command line" : "auto_replay=no in the configuration";
}

static bool is_glob(const char *p) {
        return strpbrk(p, "*?[") != NULL;
}

static bool matches(char *const *list, unsigned n, const char *path, const char *uuid, const char *label,
                    bool exact) {
        for (unsigned i = 0; i < n; i++) {
                const char *p = list[i];

                if (exact && p[0] == '/' && is_glob(p))
                        continue;
                if (!strncmp(p, "UUID=", 5) ? uuid && !strcasecmp(p + 5, uuid)
                    : !strncmp(p, "LABEL=", 6) ? label && !strcmp(p + 6, label)
                    : fnmatch(p, path, 0) == 0)
                        return true;
        }
        return false;
}

bool fcrd_config_wants(const struct fcrd_config *c, const char *path, const char *uuid, const char *label) {
        if (c->n_watch && !matches(c->watch, c->n_watch, path, uuid, label, false))
                return false;
        return !matches(c->exclude, c->n_exclude, path, uuid, label, false);
}

bool fcrd_config_includes(const struct fcrd_config *c, const char *path, const char *uuid, const char *label,
                          bool exact) {
        return matches(c->include, c->n_include, path, uuid, label, exact);
}
