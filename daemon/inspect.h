/* Inspect over D-Bus: decode a device's journal without letting the
 * caller's path stall the daemon.  The path is opened without blocking
 * (a FIFO or a terminal cannot hold the main loop), anything but a block
 * device or a regular file is refused, and the reading runs in a child
 * process under the configured time limit. */
#pragma once
#include "manager.h"

/* r: 0 with json set, or a negative errno with message set; name is the
 * last part of an org.fcreplay1.Error name for the failure. */
typedef void (*fcrd_inspect_done_fn)(int r, const char *name, const char *json, const char *message,
                                     void *userdata);

/* Start inspecting path; done is called once, from the event loop.
 * Returns a negative errno (with why filled) if it could not start; done
 * is not called then. */
int fcrd_inspect_start(struct fcrd_manager *m, const char *path, fcrd_inspect_done_fn done, void *userdata,
                       struct fcrd_refusal *why);
