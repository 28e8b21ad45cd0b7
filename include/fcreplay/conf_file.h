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

/* Parse path.  A missing file is not an error when optional is set.
 * The file is opened as the plugin loader opens a plugin (lib/trust.h):
 * when running as root, it and every directory up to / (symlinks
 * followed included) must be root's and writable by no one else, or the
 * file is refused (-EPERM, the reason naming the file and the culprit);
 * it must be a regular file or the null device (-EMEDIUMTYPE: a FIFO is
 * refused, never waited on). */
int fcr_config_parse(const char *path, bool optional, fcr_config_fn fn, void *userdata, struct fcr_diag *d);

/* The offline tool's settings (fcreplay.conf): the keys every fcreplay
 * configuration has, parsed here alone; fcreplayd.conf holds them too. */
struct fcr_tool_config {
        char *allocator;                /* NULL: FCR_DEFAULT_ALLOCATOR */
        char *plugin_dir;               /* NULL: see fcr_tool_config_plugin_dir() */
        char allocator_origin[300];     /* where allocator was set: "FILE:LINE" */
};

/* One of the shared keys (allocator, plugin_dir), read from path at
 * line: 1 when key is one of them and was set, 0 when it is none of
 * them, or -EINVAL (why says why) or -ENOMEM. */
int fcr_tool_config_key(struct fcr_tool_config *c, const char *path, unsigned line, const char *key,
                        const char *value, char *why, size_t why_len);

/* The plugin directory, in the one order of every program: option (a
 * command line's --plugin-dir; NULL for none), else plugin_dir in the
 * configuration, else $FCREPLAY_PLUGIN_DIR, else the built-in one.  The
 * configuration is the administrator's, checked as root's
 * (fcr_config_parse()); the environment is for running from a build
 * tree and does not override it. */
const char *fcr_tool_config_plugin_dir(const struct fcr_tool_config *c, const char *option);

/* FCREPLAY_CONFIG if set, else SYSCONFDIR/fcreplay/fcreplay.conf. */
const char *fcr_tool_config_path(void);
/* A missing file means the defaults only at the default path: a file
 * named explicitly must exist. */
int fcr_tool_config_load(const char *path, struct fcr_tool_config *ret, struct fcr_diag *d);

void fcr_tool_config_done(struct fcr_tool_config *c);
