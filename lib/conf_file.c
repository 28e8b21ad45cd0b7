#include <ctype.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcreplay/allocators.h>
#include <fcreplay/conf_file.h>
#include "trust.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* A '#' at the start or after a blank begins a comment. */
static void strip_comment(char *s) {
        for (char *p = s; *p; p++)
                if (*p == '#' && (p == s || isspace((unsigned char) p[-1]))) {
                        *p = '\0';
                        return;
                }
}

static char *trim(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = '\0';
        return s;
}

/* Open a configuration file as root may obey it (trust.h): as the
 * plugin loader opens a plugin, since plugin_dir chooses the code run. */
static int open_config(const char *path, bool optional, FILE **ret, struct fcr_diag *d) {
        FILE *f;
        int fd, r;

        r = fcr_trust_open(AT_FDCWD, NULL, path, FCR_TRUST_CONFIG, "configuration file", &fd, d);
        if (r == -ENOENT && optional) {
                fcr_diag_clear(d);
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        f = fdopen(fd, "re");
        if (!f) {
                r = fcr_fail(d, -errno, "cannot read %s: %s", path, strerror(errno));
                close(fd);
                return r;
        }
        *ret = f;
        return 0;
}

int fcr_config_parse(const char *path, bool optional, fcr_config_fn fn, void *userdata, struct fcr_diag *d) {
        char line[4096], why[256];
        unsigned lineno = 0;
        FILE *f = NULL;
        int r = open_config(path, optional, &f, d);

        if (r < 0 || !f)
                return r;
        while (fgets(line, sizeof(line), f)) {
                char *s, *eq, *key, *value;

                lineno++;
                if (!strchr(line, '\n') && !feof(f)) {
                        r = fcr_fail(d, -EINVAL, "%s:%u: line too long", path, lineno);
                        break;
                }
                strip_comment(line);
                s = trim(line);
                if (*s == '\0')
                        continue;
                eq = strchr(s, '=');
                if (!eq) {
                        r = fcr_fail(d, -EINVAL, "%s:%u: expected 'key = value'", path, lineno);
                        break;
                }
                *eq = '\0';
                key = trim(s);
                value = trim(eq + 1);
                why[0] = '\0';
                if (fn(key, value, lineno, userdata, why, sizeof(why)) < 0) {
                        r = fcr_fail(d, -EINVAL, "%s:%u: %s", path, lineno, why[0] ? why : "invalid setting");
                        break;
                }
        }
        /* A read error (EISDIR for a directory, EIO) is not the end of
         * the file: the settings after it would be silently lost. */
        if (r == 0 && ferror(f))
                r = fcr_fail(d, -EIO, "cannot read %s: %s", path, strerror(errno ? errno : EIO));
        fclose(f);
        return r;
}

#define TOOL_CONFIG_DEFAULT SYSCONFDIR "/fcreplay/fcreplay.conf"

const char *fcr_tool_config_path(void) {
        const char *env = getenv("FCREPLAY_CONFIG");

        return env && *env ? env : TOOL_CONFIG_DEFAULT;
}

static int set_string(char **dst, const char *value) {
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        free(*dst);
        *dst = v;
        return 0;
}

struct tool_parse {
        struct fcr_tool_config *c;
        const char *path;
};

int fcr_tool_config_key(struct fcr_tool_config *c, const char *path, unsigned line, const char *key,
                        const char *value, char *why, size_t why_len) {
        bool allocator = !strcmp(key, "allocator");
        int r;

        if (!allocator && strcmp(key, "plugin_dir"))
                return 0;
        if (*value == '\0') {
                snprintf(why, why_len, "'%s' needs a value", key);
                return -EINVAL;
        }
        if (!allocator && value[0] != '/') {
                snprintf(why, why_len, "plugin_dir must be an absolute path, not '%s'", value);
                return -EINVAL;
        }
        r = set_string(allocator ? &c->allocator : &c->plugin_dir, value);
        if (r < 0)
                return r;
        /* For the error if no such allocator exists, checked later. */
        if (allocator)
                snprintf(c->allocator_origin, sizeof(c->allocator_origin), "%s:%u", path, line);
        return 1;
}

static int tool_key(const char *key, const char *value, unsigned line, void *userdata, char *why, size_t why_len) {
        struct tool_parse *t = userdata;
        int r = fcr_tool_config_key(t->c, t->path, line, key, value, why, why_len);

        if (r != 0)
                return r < 0 ? r : 0;
        snprintf(why, why_len, "unknown key '%s' (known: allocator, plugin_dir)", key);
        return -EINVAL;
}

int fcr_tool_config_load(const char *path, struct fcr_tool_config *ret, struct fcr_diag *d) {
        struct fcr_tool_config c = {};
        struct tool_parse t = { .c = &c, .path = path };
        int r = fcr_config_parse(path, !strcmp(path, TOOL_CONFIG_DEFAULT), tool_key, &t, d);

        if (r < 0) {
                fcr_tool_config_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

const char *fcr_tool_config_plugin_dir(const struct fcr_tool_config *c, const char *option) {
        return fcr_plugin_dir(option ? option : c->plugin_dir);
}

void fcr_tool_config_done(struct fcr_tool_config *c) {
        free(c->allocator);
        free(c->plugin_dir);
        c->allocator = c->plugin_dir = NULL;
}
