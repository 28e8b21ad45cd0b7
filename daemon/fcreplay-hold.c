/* fcreplay-hold DEVNODE [DISKSEQ]: run by udev (64-fcreplayd.rules)
 * through IMPORT{program} for ext4 devices on add and change.  Prints
 * FCREPLAY_HELD=1 when fcreplayd is going to replay the device, so that
 * the rule keeps it from systemd (SYSTEMD_READY=0) until then; prints
 * nothing otherwise.  The conditions are in hold.h.  Any error means
 * "not held": a device held by mistake would wait forever. */
#include <stdio.h>
#include <string.h>
#include <fcreplay/exit_codes.h>
#include "hold.h"
#include "probe.h"

int main(int argc, char **argv) {
        struct fcrd_hold_key k;
        struct fcrd_probe p = {};
        int r;

        if (argc < 2 || argc > 3 || argv[1][0] != '/') {
                fprintf(stderr, "Usage: fcreplay-hold DEVNODE [DISKSEQ]\n");
                return FCR_EXIT_USAGE;
        }
        /* The cheap checks first: this runs for every ext4 uevent. */
        if (!fcrd_hold_auto())
                return FCR_EXIT_CLEAN;
        r = fcrd_hold_key_from_node(argv[1], argc > 2 ? argv[2] : NULL, &k);
        if (r < 0) {
                fprintf(stderr, "fcreplay-hold: %s: %s\n", argv[1], strerror(-r));
                return FCR_EXIT_FAILED;
        }
        if (fcrd_hold_done(&k))
                return FCR_EXIT_CLEAN;
        /* The rule runs this only where udev's blkid found ext4 or ext3:
         * the superblock alone (no libblkid linked, see Makefile.am.inc). */
        r = fcrd_probe_ext4(argv[1], &p);
        if (r < 0) {
                fprintf(stderr, "fcreplay-hold: %s: %s\n", argv[1], strerror(-r));
                return FCR_EXIT_FAILED;
        }
        /* Never a mounted one: systemd would stop the mounts bound to a
         * device that is no longer ready. */
        if (p.ext4 && p.needs_recovery && !p.mounted)
                puts("FCREPLAY_HELD=1");
        return FCR_EXIT_CLEAN;
}
