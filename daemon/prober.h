/* Probes (probe.h) run in a child process (child.h), each under its own
 * time limit, answered through a callback: a device that hangs, or that
 * a D-Bus caller named, never blocks the event loop, and costs only its
 * own limit.  A prober is one child at a time, started by the first
 * request, that answers the requests in order (the devices found at
 * start are read by one child, not one each) and exits when none is
 * left.  A request past its limit is answered -ETIME at once, its child
 * killed, and the requests behind it go to a new child. */
#pragma once
#include <stdbool.h>
#include <systemd/sd-event.h>
#include "probe.h"

struct fcrd_prober;

/* r: fcrd_probe_device()'s result (-ETIME past the limit); p is valid
 * only when r >= 0. */
typedef void (*fcrd_probe_done_fn)(int r, const char *node, const struct fcrd_probe *p, void *userdata);

int fcrd_prober_new(sd_event *e, struct fcrd_prober **ret);

/* Queue a probe of node (flags: FCRD_PROBE_*) with limit_sec for itself
 * (0: none).  0 when queued (done is called later, exactly once, from
 * the event loop), or a negative errno (done is never called). */
int fcrd_prober_submit(struct fcrd_prober *pr, const char *node, unsigned flags, unsigned limit_sec,
                       fcrd_probe_done_fn done, void *userdata);

/* Requests not answered yet. */
unsigned fcrd_prober_pending(const struct fcrd_prober *pr);

/* The requests left are dropped unanswered; the child is killed. */
void fcrd_prober_free(struct fcrd_prober *pr);

/* One probe in a child of its own (a device a D-Bus caller names, one
 * that was unmounted): a prober for one request, freed after it. */
int fcrd_probe_start(sd_event *e, const char *node, unsigned flags, unsigned limit_sec, fcrd_probe_done_fn done,
                     void *userdata);

/* Stopping: every one-shot probe still running is answered -ECANCELED. */
void fcrd_probes_cancel(void);
