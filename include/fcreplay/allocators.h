/* The allocation policies: allocator plugins, DIR/alloc/NAME.so, each
 * named as its file (the loader refuses a plugin whose descriptor names
 * itself otherwise), so a name is the same wherever it is listed or
 * chosen.  Part of the engine's face for the programs in this tree (not
 * installed). */
#pragma once

/* What replays use when nothing chooses an allocator. */
#define FCR_DEFAULT_ALLOCATOR "kernel"

struct fcr_diag;

/* The plugin directory: explicit_dir if set (--plugin-dir, else
 * plugin_dir in the configuration: fcr_tool_config_plugin_dir() gives
 * them in that order), else $FCREPLAY_PLUGIN_DIR, else the built-in
 * one. */
const char *fcr_plugin_dir(const char *explicit_dir);

/* The allocators under dir, sorted, in a NULL-terminated array (free it
 * with fcr_allocators_free).  Each one is loaded: a plugin that does not
 * load fails the list, the reason in d naming the file. */
int fcr_allocators_list(const char *dir, char ***ret, struct fcr_diag *d);
void fcr_allocators_free(char **names);

/* 0 when the plugins under dir would load (fcr_plugins_available():
 * checked from the files, none loaded) and hold an allocator called
 * name; -EINVAL naming the allocators there when they do not hold it. */
int fcr_allocators_check(const char *dir, const char *name, struct fcr_diag *d);
