#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include "log.h"

/* systemd sets JOURNAL_STREAM when stderr is the journal: then the
 * structured entry alone is enough. */
static void plain(int priority, const char *device, const char *msg) {
        if (getenv("JOURNAL_STREAM") || (priority > LOG_INFO && !getenv("FCREPLAYD_DEBUG")))
                return;
        fprintf(stderr, "<%d>fcreplayd: %s%s%s\n", priority, device ? device : "", device ? ": " : "", msg);
}

void fcrd_event(int priority, sd_id128_t id, const struct fcrd_fields *f, const char *fmt, ...) {
        char msg[1024], idstr[SD_ID128_STRING_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        sd_id128_to_string(id, idstr);
        sd_journal_send("MESSAGE=%s%s%s", f->device ? f->device : "", f->device ? ": " : "", msg,
                        "PRIORITY=%d", priority, "MESSAGE_ID=%s", idstr, "SYSLOG_IDENTIFIER=fcreplayd",
                        "DEVICE=%s", f->device ? f->device : "", "RESULT=%s", f->result ? f->result : "",
                        "TAGS=%ld", f->tags < 0 ? 0 : f->tags, "ALLOCATOR=%s", f->allocator ? f->allocator : "",
                        NULL);
        plain(priority, f->device, msg);
}

void fcrd_log(int priority, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=fcreplayd", NULL);
        plain(priority, NULL, msg);
}
