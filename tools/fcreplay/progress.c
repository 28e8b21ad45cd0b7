#include <string.h>
#include <time.h>
#include <fcreplay/util.h>
#include "progress.h"

void progress_show(struct progress *p, const char *phase, uint64_t done, uint64_t total) {
        bool writing = !strcmp(phase, "writing");
        int pct = writing && total ? (int) (done * 100 / total) : 0;
        uint64_t now = fcr_now_usec(CLOCK_MONOTONIC);
        char line[sizeof(p->last)];

        if (writing)
                snprintf(line, sizeof(line), "%swriting %3d%% %llu/%llu blocks", p->prefix, pct,
                         (unsigned long long) done, (unsigned long long) total);
        else
                snprintf(line, sizeof(line), "%s%s", p->prefix, phase);
        if (p->tty) {
                int width = 30, fill = pct * width / 100;

                /* Planning has no count: no bar that could sit full. */
                if (writing)
                        fprintf(p->f, "\r\033[K[%.*s%*s] %s", fill, "##############################", width - fill, "",
                                line);
                else
                        fprintf(p->f, "\r\033[K%s...", line);
                fflush(p->f);
                p->shown = true;
                return;
        }
        /* A line says something new: a new phase, the end, or at least a
         * second or ten points since the last one; never the same twice. */
        if (!strcmp(line, p->last))
                return;
        if (!strcmp(phase, p->last_phase) && !(writing && done == total) && now - p->last_usec < 1000000 &&
            pct < p->last_pct + 10)
                return;
        fprintf(p->f, "%s\n", line);
        fflush(p->f);
        snprintf(p->last, sizeof(p->last), "%s", line);
        snprintf(p->last_phase, sizeof(p->last_phase), "%s", phase);
        p->last_pct = pct;
        p->last_usec = now;
}

void progress_end(struct progress *p) {
        if (p->tty && p->shown)
                fputc('\n', p->f);
        p->shown = false;
}
