#include <fcreplay/exit_codes.h>
#include "json_error.h"
#include "result.h"

struct json_object *json_error_new(const char *device, int exit_code, const char *result, const char *error,
                                   bool written) {
        struct json_object *o = json_object_new_object();

        if (device)
                json_object_object_add(o, "device", json_object_new_string(device));
        json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
        json_object_object_add(o, "result", json_object_new_string(result ? result : fcrd_result_to_string(fcrd_result_from_exit_code(exit_code))));
        /* Exit 0 ("nothing to do") is no error: its text is a message. */
        json_object_object_add(o, exit_code == FCR_EXIT_CLEAN ? "message" : "error", json_object_new_string(error));
        json_object_object_add(o, "written", json_object_new_boolean(written));
        return o;
}
