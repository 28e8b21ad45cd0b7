/* fcreplayd's logging: structured journald entries (DEVICE=, RESULT=,
 * counts, MESSAGE_ID= per event kind) and, when stderr is not the
 * journal, the same message as a plain line on stderr. */
#pragma once
#include <systemd/sd-id128.h>
#include "result.h"

/* One MESSAGE_ID per kind of event; stable, listed in fcreplayd(8). */
#define FCRD_MSG_STARTED    SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,01)
#define FCRD_MSG_SKIPPED    SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,02)
#define FCRD_MSG_REPLAYED   SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,03)
#define FCRD_MSG_REFUSED    SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,04)
#define FCRD_MSG_FAILED     SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,05)
#define FCRD_MSG_TIMEOUT    SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,06)
#define FCRD_MSG_CONFIG     SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,07)
#define FCRD_MSG_STOPPED    SD_ID128_MAKE(5a,0d,3e,21,c4,7b,4f,0e,9d,61,02,8e,54,a3,10,08)

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
void fcrd_event(int priority, sd_id128_t id, const struct fcrd_fields *f, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

void fcrd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
