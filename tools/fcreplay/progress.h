/* Progress as text, the same for fcreplay and fcreplayctl: a bar on a
 * terminal; otherwise throttled lines, so that a log gets a few lines
 * that each say something new. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
        FILE *f;
        const char *prefix;             /* "DEVICE: ", or "" */
        bool tty;
        bool shown;                     /* something printed: a bar to end */
        char last[160];                 /* the last line printed */
        char last_phase[16];
        int last_pct;
        uint64_t last_usec;
};

/* phase: "planning" (done and total unused: nothing is written yet) or
 * "writing" (done of total filesystem blocks). */
void progress_show(struct progress *p, const char *phase, uint64_t done, uint64_t total);

/* Ends the bar's line on a terminal. */
void progress_end(struct progress *p);
