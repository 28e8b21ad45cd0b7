/* Who calls, and how a refusal is answered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcreplay/escape.h>
#include <fcreplay/util.h>
#include "objects.h"

int fcrd_bus_check_root(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR("PermissionDenied"), "cannot tell who is calling: %s",
                                         strerror(-r));
        if (euid != 0)
                return sd_bus_error_setf(error, BUS_ERROR("PermissionDenied"), "only root may do this (caller uid %u)",
                                         (unsigned) euid);
        return 0;
}

int fcrd_bus_error(sd_bus_error *error, const char *name, const char *message) {
        _cleanup_free_ char *valid = fcr_utf8_make_valid(message, strlen(message));
        char full[64];

        snprintf(full, sizeof(full), BUS_ERROR("%s"), name);
        return sd_bus_error_set(error, full, valid ? valid : "(out of memory)");
}

int fcrd_bus_unknown_property(sd_bus_error *error, const char *iface, const char *prop) {
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "%s has no property %s", iface, prop);
}
