/* org.fcreplay1 (org.fcreplay1.xml): the names fcreplayd serves and
 * fcreplayctl calls, and a device's object path, owned here once. */
#pragma once
#include <string.h>
#include <systemd/sd-bus.h>

#define FCR_BUS_NAME "org.fcreplay1"
#define FCR_BUS_ROOT "/org/fcreplay1"
#define FCR_BUS_MANAGER FCR_BUS_NAME ".Manager"
#define FCR_BUS_DEVICE FCR_BUS_NAME ".Device"
#define FCR_BUS_JOB FCR_BUS_NAME ".Job"
#define FCR_BUS_DEVICE_PREFIX FCR_BUS_ROOT "/device"
#define FCR_BUS_JOB_PREFIX FCR_BUS_ROOT "/job"
#define FCR_BUS_ERROR(x) FCR_BUS_NAME ".Error." x

/* /org/fcreplay1/device/<the node's name, bus-escaped>: "/dev/sdb" and
 * "sdb" are both /org/fcreplay1/device/sdb. */
static inline int fcr_bus_device_path(const char *node, char **ret) {
        const char *base = strrchr(node, '/');

        return sd_bus_path_encode(FCR_BUS_DEVICE_PREFIX, base ? base + 1 : node, ret);
}
