/* Strings from the disk on the bus: sd-bus refuses a message, and with it
 * a whole GetManagedObjects reply, that holds a string which is not valid
 * UTF-8.  Each is sent in escape.h's valid form. */
#include <errno.h>
#include <string.h>
#include <fcreplay/escape.h>
#include <fcreplay/util.h>
#include "objects.h"

int fcrd_bus_append_text(sd_bus_message *m, const char *s) {
        _cleanup_free_ char *v = fcr_utf8_make_valid(s, strlen(s));

        return v ? sd_bus_message_append_basic(m, 's', v) : -ENOMEM;
}
