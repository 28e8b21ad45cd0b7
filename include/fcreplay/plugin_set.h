/* The plugins of one directory, loaded once to be shared: fcreplayd
 * loads them with its configuration, and every replay it forks uses that
 * set (fcr_engine_opts.plugins), so all replays until a reload run the
 * same plugins, checked once, with no dlopen each.  Refcounted.  Part of
 * the engine's face for the programs in this tree (not installed). */
#pragma once

struct fcr_diag;
struct fcr_plugins;
struct fcr_alloc_plugin;

/* Load every plugin under dir.  Any load error (dlopen failure, missing
 * symbol, ABI mismatch, missing required function, failed init, two
 * plugins for one tag, an allocator not named as its file) fails the
 * whole load, the reason naming the file. */
int fcr_plugins_load(const char *dir, struct fcr_plugins **ret, struct fcr_diag *d);
struct fcr_plugins *fcr_plugins_ref(struct fcr_plugins *p);
void fcr_plugins_unref(struct fcr_plugins *p);

/* The allocator named name, or -EINVAL naming the directory and the
 * allocators that are there. */
int fcr_plugins_find_alloc(const struct fcr_plugins *p, const char *name, const struct fcr_alloc_plugin **ret,
                           struct fcr_diag *d);

/* Whether the plugins under dir would load, as far as the files tell
 * without loading any (no dlopen, no plugin code run): every
 * DIR/tags/NAME.so and DIR/alloc/NAME.so is trusted as the loader requires
 * (root's alone when running as root, every directory up to / too), a
 * regular file, an ELF shared object for this machine that exports its
 * descriptor, whose ABI version and size this engine accepts; and, when
 * allocator is not NULL, DIR/alloc/ALLOCATOR.so is one of them.  What
 * only loading tells (required members, init(), two plugins claiming one
 * tag, an allocator named otherwise than its file) is left to
 * fcr_plugins_load().  0; -EINVAL naming the allocators there when the
 * allocator is not; another negative errno (-ELIBBAD for a file, the
 * reason naming it) otherwise.  For a daemon that checks its
 * configuration at start and loads plugins only when a replay needs
 * them. */
int fcr_plugins_available(const char *dir, const char *allocator, struct fcr_diag *d);

/* The names of the allocators in p, sorted, in a NULL-terminated array
 * (free it with fcr_allocators_free). */
int fcr_plugins_alloc_names(const struct fcr_plugins *p, char ***ret);
