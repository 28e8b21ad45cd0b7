/* fcreplayd's logging: structured journald entries (DEVICE=, RESULT=,
 * counts, MESSAGE_ID= per event kind) and, when stderr is not the
 * journal, the same message as a plain line on stderr. */
#pragma once
#include "result.h"

/* The kinds of event, one MESSAGE_ID each (log.c; stable, listed in
 * fcreplayd(8)). */
enum fcrd_event_kind {
        FCRD_MSG_STARTED,
        FCRD_MSG_SKIPPED,
        FCRD_MSG_REPLAYED,
        FCRD_MSG_REFUSED,
        FCRD_MSG_FAILED,
        FCRD_MSG_TIMEOUT,
        FCRD_MSG_CONFIG,
        FCRD_MSG_STOPPED,
        _FCRD_MSG_KIND_MAX,
};

struct fcrd_fields {
        const char *device;     /* DEVICE= */
        enum fcrd_result result;        /* RESULT= (none: "") */
        long tags;              /* TAGS=, fast-commit tags replayed; <0: none */
        const char *allocator;  /* ALLOCATOR= */
        /* What the admin knows the device by: FS_LABEL=, FS_UUID=,
         * BACKING_FILE= (a loop device's); NULL or "" when unknown.  Named
         * at the end of the message too. */
        const char *label, *uuid, *backing;
};

/* Entries above this syslog level are dropped (LOG_INFO; LOG_DEBUG with
 * --verbose or $FCREPLAYD_DEBUG). */
void fcrd_log_set_max_level(int level);

/* One event about a device; priority is a syslog level. */
void fcrd_event(int priority, enum fcrd_event_kind kind, const struct fcrd_fields *f, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

void fcrd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
