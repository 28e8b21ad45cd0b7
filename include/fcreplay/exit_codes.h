/* Exit codes of fcreplay, fcreplayctl and fcreplayd's replay processes
 * (documented in fcreplay(8) and the README).  For the programs built
 * here; not installed (only plugin.h and bytes.h are). */
#pragma once

enum {
        FCR_EXIT_CLEAN = 0,     /* clean now: replayed, or nothing to do */
        FCR_EXIT_REFUSED = 2,   /* invalid or unsupported journal; nothing written */
        FCR_EXIT_FAILED = 3,    /* operational error (I/O, busy, permissions, ...) */
        FCR_EXIT_USAGE = 64,    /* bad command line */
};
