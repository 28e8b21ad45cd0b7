/* fcreplayd.conf and the kernel command line. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <fcreplay/conf_file.h>
#include <fcreplay/diag.h>

#define FCRD_MAX_PATTERNS 32

/* The time limit of a replay when the configuration names none, and of
 * any other child's work (a probe, Inspect) whatever it names. */
#define FCRD_DEFAULT_TIMEOUT_SEC 60

struct fcrd_config {
        /* allocator, plugin_dir: the keys fcreplay.conf has too, parsed by
         * lib/conf_file.c; allocator_origin may name the kernel command line. */
        struct fcr_tool_config shared;
        /* watch: the devices looked at at all (empty: every one);
         * exclude: never looked at, whatever else names them; include:
         * replayed on their own, besides those this boot mounts (policy.h). */
        char *watch[FCRD_MAX_PATTERNS];
        char *include[FCRD_MAX_PATTERNS];
        char *exclude[FCRD_MAX_PATTERNS];
        unsigned n_watch, n_include, n_exclude;
        bool auto_replay;               /* replay dirty devices found */
        bool skip_by_cmdline;           /* auto_replay off by fcreplay.mode=skip */
        bool dry_run;                   /* plan and report only */
        unsigned timeout_sec;           /* per device, 0: none */
        unsigned parallel;              /* replays at once */
        struct fcr_plugins *plugins;    /* loaded by the first replay or inspect
                                         * (fcrd_config_plugins()): every child
                                         * forked until the next reload uses
                                         * this set, none loads its own */
};

/* The time limit of a probe or an Inspect: the configuration's, or the
 * default where replays have none (timeout = 0). */
unsigned fcrd_config_child_limit(const struct fcrd_config *c);

/* The allocator replays use when they choose none. */
const char *fcrd_config_allocator(const struct fcrd_config *c);

/* $FCREPLAYD_CONFIG, or SYSCONFDIR/fcreplay/fcreplayd.conf. */
const char *fcrd_config_path(void);

/* Parse path, then apply the kernel command line: fcreplay.mode=auto|skip,
 * fcreplay.allocator=NAME.  A missing file means the defaults only at the
 * default path: a file named explicitly must exist. */
int fcrd_config_load(const char *path, struct fcrd_config *ret, struct fcr_diag *d);

/* What the daemon will use must work: every plugin under the directory
 * loads and the allocator is there.  With load, the set is loaded and
 * kept (a reload, --check-config: the names inside the plugins are only
 * known loaded); without, only what can be checked without running their
 * code is (trust, ELF symbols: a start loads nothing).  The error names
 * where the allocator was set. */
int fcrd_config_verify(struct fcrd_config *c, bool load, struct fcr_diag *d);

/* The plugin set, loaded on first use and kept until the configuration
 * is replaced; NULL with the reason in d when it does not load.  A child
 * given NULL loads the directory itself and fails its job with that
 * same reason, so replays and inspects need not look at d. */
struct fcr_plugins *fcrd_config_plugins(struct fcrd_config *c, struct fcr_diag *d);

/* The effective settings, as "key = value" lines. */
void fcrd_config_print(FILE *f, const struct fcrd_config *c);
void fcrd_config_done(struct fcrd_config *c);

/* Why automatic replay is off, for the logs; NULL when it is on. */
const char *fcrd_config_no_auto_replay(const struct fcrd_config *c);

/* Whether a device (path, UUID, LABEL; the latter two may be NULL) is
 * one to look at: watched (or no watch list) and not excluded. */
bool fcrd_config_wants(const struct fcrd_config *c, const char *path, const char *uuid, const char *label);

/* Whether include= names the device; exact: only by a pattern with no
 * wildcard (a path, UUID= or LABEL= that names this device alone). */
bool fcrd_config_includes(const struct fcrd_config *c, const char *path, const char *uuid, const char *label,
                          bool exact);

/* The kernel command line's settings (cmdline.c).  Path: $FCREPLAYD_CMDLINE
 * or /proc/cmdline. */
struct fcrd_cmdline {
        int mode;                       /* -1 unset, 0 skip, 1 auto */
        char *allocator;
        const char *path;               /* where it was read */
};
int fcrd_cmdline_read(struct fcrd_cmdline *ret, struct fcr_diag *d);
