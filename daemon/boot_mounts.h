/* The devices this boot mounts: the sources of /etc/fstab (read with
 * libmount) and the What= of systemd's mount units (*.mount in the unit
 * directories, generators' included), swap left out.  Both are files
 * that exist before local-fs-pre.target, when fcreplayd starts and the
 * system bus may not be up yet.  A spec names a device by what udev and
 * the probe already know of it (UUID=, LABEL=, PARTUUID=, PARTLABEL=,
 * /dev/disk/by-* names, or a path whose node is the device's): no device
 * is read to resolve it.
 *
 * For tests: $FCREPLAYD_FSTAB replaces /etc/fstab, $FCREPLAYD_UNIT_PATH
 * (directories separated by ':') the unit directories. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/* What is known of a device, to match a spec against (NULL: unknown). */
struct fcrd_ident {
        const char *node;
        dev_t devnum;
        const char *uuid, *label, *partuuid, *partlabel;
};

/* Whether fstab or a mount unit names the device: 1 (where: "fstab" or
 * the unit's path), 0, or a negative errno when no unit does and fstab
 * cannot be read. */
int fcrd_boot_mounts_find(const struct fcrd_ident *id, char *where, size_t where_len);
