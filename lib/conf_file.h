/* "key = value" configuration files: '#' comments, blank lines, and one
 * key per line.  Unknown keys and bad values are errors naming the file
 * and the line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "diag.h"

/* Called for each key; returns 0, or -EINVAL with a reason in why. */
typedef int (*fcr_config_fn)(const char *key, const char *value, void *userdata, char *why, size_t why_len);

/* Parse path.  A missing file is not an error when optional is set. */
int fcr_config_parse(const char *path, bool optional, fcr_config_fn fn, void *userdata, struct fcr_diag *d);

/* Replace *dst with a copy of value: 0 or -ENOMEM. */
int fcr_config_set_string(char **dst, const char *value);

/* The offline tool's settings (fcreplay.conf). */
struct fcr_tool_config {
        char *allocator;
        char *plugin_dir;
};

/* FCREPLAY_CONFIG if set, else SYSCONFDIR/fcreplay/fcreplay.conf. */
const char *fcr_tool_config_path(void);
int fcr_tool_config_load(const char *path, struct fcr_tool_config *ret, struct fcr_diag *d);
void fcr_tool_config_done(struct fcr_tool_config *c);
