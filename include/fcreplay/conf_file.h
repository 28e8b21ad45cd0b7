/* "key = value" configuration files: blank lines, one key per line, and
 * '#' comments, at the start of a line or after a blank (so a value may
 * hold a '#' that follows a non-blank, as in a path).  Unknown keys and
 * bad values are errors naming the file and the line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <fcreplay/diag.h>

/* Called for each key (line: where it is); returns 0, or -EINVAL with a
 * reason in why. */
typedef int (*fcr_config_fn)(const char *key, const char *value, unsigned line, void *userdata, char *why,
                             size_t why_len);

/* Parse path.  A missing file is not an error when optional is set. */
int fcr_config_parse(const char *path, bool optional, fcr_config_fn fn, void *userdata, struct fcr_diag *d);

/* Replace *dst with a copy of value: 0 or -ENOMEM. */
int fcr_config_set_string(char **dst, const char *value);

/* The offline tool's settings (fcreplay.conf). */
struct fcr_tool_config {
        char *allocator;
        char *plugin_dir;
        char allocator_origin[300];     /* "FILE:LINE" of the allocator key */
};

/* FCREPLAY_CONFIG if set, else SYSCONFDIR/fcreplay/fcreplay.conf. */
const char *fcr_tool_config_path(void);
/* A missing file means the defaults only at the default path: a file
 * named explicitly must exist. */
int fcr_tool_config_load(const char *path, struct fcr_tool_config *ret, struct fcr_diag *d);

/* Write "FILE:LINE" to buf, for settings checked after parsing. */
void fcr_config_origin(char *buf, size_t len, const char *path, unsigned line);

/* allocator = NAME: the name, and where it was set ("file:line") for the
 * error if no such plugin exists. */
int fcr_config_set_allocator(char **dst, char *origin, size_t origin_len, const char *path, unsigned line,
                             const char *value);
void fcr_tool_config_done(struct fcr_tool_config *c);
