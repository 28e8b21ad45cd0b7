#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <fcreplay/escape.h>
#include <fcreplay/util.h>
#include "log.h"

static int max_level = LOG_INFO;

#define ID(b10) SD_ID128_ARRAY(5a, 0d, 3e, 21, c4, 7b, 4f, 0e, 9d, 61, 02, 8e, 54, a3, 10, b10)
static const sd_id128_t message_ids[_FCRD_MSG_KIND_MAX] = {
        [FCRD_MSG_STARTED] = ID(01), [FCRD_MSG_SKIPPED] = ID(02), [FCRD_MSG_REPLAYED] = ID(03),
        [FCRD_MSG_REFUSED] = ID(04), [FCRD_MSG_FAILED] = ID(05), [FCRD_MSG_TIMEOUT] = ID(06),
        [FCRD_MSG_CONFIG] = ID(07), [FCRD_MSG_STOPPED] = ID(08),
};

void fcrd_log_set_max_level(int level) {
        max_level = level;
}

/* systemd sets JOURNAL_STREAM when stderr is the journal: then the
 * structured entry alone is enough. */
static void plain(int priority, const char *msg) {
        if (getenv("JOURNAL_STREAM"))
                return;
        fprintf(stderr, "<%d>fcreplayd: %s\n", priority, msg);
}

static const char *str(const char *s) {
        return s ? s : "";
}

/* " (LABEL=x, UUID=y, loop on FILE)", or "" when nothing is known. */
static void describe(const struct fcrd_fields *f, char *buf, size_t len) {
        size_t n = 0;

        buf[0] = '\0';
        if (*str(f->label))
                n += snprintf(buf + n, len - n, "%sLABEL=%s", n ? ", " : " (", f->label);
        if (n < len && *str(f->uuid))
                n += snprintf(buf + n, len - n, "%sUUID=%s", n ? ", " : " (", f->uuid);
        if (n < len && *str(f->backing))
                n += snprintf(buf + n, len - n, "%sloop on %s", n ? ", " : " (", f->backing);
        if (n && n < len)
                snprintf(buf + n, len - n, ")");
}

/* The journal's structured fields keep the bytes as they are (FS_LABEL=
 * is the exact label); MESSAGE= and the plain line are in escape.h's text
 * form, so that a label or file name can neither split a line nor reach
 * a terminal as a control. */
static void log_entry(int priority, const sd_id128_t *id, const struct fcrd_fields *f, const char *fmt, va_list ap) {
        char msg[1024], full[1600], what[1200], idstr[SD_ID128_STRING_MAX];
        _cleanup_free_ char *shown = NULL;

        if (priority > max_level)
                return;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (f) {
                describe(f, what, sizeof(what));
                snprintf(full, sizeof(full), "%s%s%s%s", str(f->device), f->device ? ": " : "", msg, what);
        }
        shown = fcr_escape_text(f ? full : msg, strlen(f ? full : msg));
        if (!shown)
                return;
        if (!f) {
                sd_journal_send("MESSAGE=%s", shown, "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=fcreplayd", NULL);
                plain(priority, shown);
                return;
        }
        sd_id128_to_string(*id, idstr);
        sd_journal_send("MESSAGE=%s", shown,
                        "PRIORITY=%d", priority, "MESSAGE_ID=%s", idstr, "SYSLOG_IDENTIFIER=fcreplayd",
                        "DEVICE=%s", str(f->device), "RESULT=%s", fcrd_result_to_string(f->result),
                        "TAGS=%ld", f->tags < 0 ? 0 : f->tags, "ALLOCATOR=%s", str(f->allocator),
                        "FS_LABEL=%s", str(f->label), "FS_UUID=%s", str(f->uuid), "BACKING_FILE=%s", str(f->backing),
                        NULL);
        plain(priority, shown);
}

void fcrd_event(int priority, enum fcrd_event_kind kind, const struct fcrd_fields *f, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_entry(priority, &message_ids[kind], f, fmt, ap);
        va_end(ap);
}

void fcrd_log(int priority, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_entry(priority, NULL, NULL, fmt, ap);
        va_end(ap);
}
