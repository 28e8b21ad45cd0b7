/* The device table and the replay queue: which devices fcreplayd knows,
 * their state (clean, dirty, replaying, replayed, refused, failed), the
 * replays running (at most `parallel`, never two on one device), their
 * time limits, and what systemd is told (READY=1 once the initial pass is
 * done, STATUS=, EXTEND_TIMEOUT_USEC=). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>
#include "config.h"

enum fcrd_state { FCRD_CLEAN, FCRD_DIRTY, FCRD_REPLAYING, FCRD_REPLAYED, FCRD_REFUSED, FCRD_FAILED };

struct fcrd_job;

struct fcrd_device {
        char *node;
        char uuid[40], label[64];
        enum fcrd_state state;
        char last_result[32];
        char last_message[512];
        long tags_replayed;
        uint64_t usec_taken;
        bool queued;
        struct fcrd_job *job;
};

struct fcrd_manager {
        sd_event *event;
        struct fcrd_config config;
        struct fcrd_device **devices;
        size_t n_devices, cap_devices;
        unsigned running;
        bool initial_pass;              /* READY=1 not sent yet */
        bool discovery_done;            /* the initial enumeration is over */
};

const char *fcrd_state_str(enum fcrd_state s);

/* A block device appeared or changed: probe it and, if it is a dirty ext4
 * the configuration wants, queue a replay. */
void fcrd_manager_consider(struct fcrd_manager *m, const char *devnode);

/* The initial enumeration is over: READY=1 once its replays are done. */
void fcrd_manager_discovery_done(struct fcrd_manager *m);

void fcrd_manager_free(struct fcrd_manager *m);
