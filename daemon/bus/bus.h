/* fcreplayd's D-Bus API, org.fcreplay1 (dbus/org.fcreplay1.xml). */
#pragma once
#include "manager.h"

struct fcrd_bus;

/* Serve the API on the system bus now, or as soon as it appears. */
int fcrd_bus_start(struct fcrd_manager *m, struct fcrd_bus **ret);
void fcrd_bus_free(struct fcrd_bus *b);
