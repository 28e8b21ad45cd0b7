/* fcreplayd.conf and the kernel command line. */
#pragma once
#include <stdbool.h>
#include "diag.h"

#define FCRD_MAX_PATTERNS 32

struct fcrd_config {
        char *allocator;                /* NULL: the engine's default */
        char *plugin_dir;               /* NULL: $FCREPLAY_PLUGIN_DIR or built-in */
        char *include[FCRD_MAX_PATTERNS];       /* empty: every device */
        char *exclude[FCRD_MAX_PATTERNS];
        unsigned n_include, n_exclude;
        bool auto_replay;               /* replay dirty devices found */
        bool skip_by_cmdline;           /* auto_replay off by fcreplay.mode=skip */
        bool dry_run;                   /* plan and report only */
        unsigned timeout_sec;           /* per device, 0: none */
        unsigned parallel;              /* replays at once */
};

/* $FCREPLAYD_CONFIG, or SYSCONFDIR/fcreplay/fcreplayd.conf. */
const char *fcrd_config_path(void);

/* Parse path (a missing file means the defaults), then apply the kernel
 * command line: fcreplay.mode=auto|skip, fcreplay.allocator=NAME. */
int fcrd_config_load(const char *path, struct fcrd_config *ret, struct fcr_diag *d);
void fcrd_config_done(struct fcrd_config *c);

/* Why automatic replay is off, for the logs; NULL when it is on. */
const char *fcrd_config_no_auto_replay(const struct fcrd_config *c);

/* Whether a device (path, UUID, LABEL; the latter two may be NULL) is
 * one to look at: included (or no include list) and not excluded. */
bool fcrd_config_wants(const struct fcrd_config *c, const char *path, const char *uuid, const char *label);

/* The kernel command line's settings (cmdline.c).  Path: $FCREPLAYD_CMDLINE
 * or /proc/cmdline. */
struct fcrd_cmdline {
        int mode;                       /* -1 unset, 0 skip, 1 auto */
        char *allocator;
};
int fcrd_cmdline_read(struct fcrd_cmdline *ret, struct fcr_diag *d);
