/* A probe (probe.h) run in a child process under a time limit, answered
 * through a callback: libblkid's read and the superblock's pread of a
 * device that hangs, or that a D-Bus caller named, never block the main
 * loop.  A probe past its limit is answered -ETIME at once and killed. */
#pragma once
#include <stdbool.h>
#include <systemd/sd-event.h>
#include "probe.h"

/* r: fcrd_probe_device()'s result (-ETIME past the limit); p is valid
 * only when r >= 0. */
typedef void (*fcrd_probe_done_fn)(int r, const char *node, const struct fcrd_probe *p, void *userdata);

/* 0 when started (done is called later, exactly once), or a negative
 * errno (done is never called).  after_unmount: the device has just left
 * the mount table; its filesystem may not have let go of it yet. */
int fcrd_probe_start(sd_event *e, const char *node, unsigned limit_sec, bool after_unmount, fcrd_probe_done_fn done,
                     void *userdata);
