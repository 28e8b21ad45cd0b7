/* The one error object of fcreplay's and fcreplayctl's --json output:
 * {"exit_code", "result", "error", "written"}, with "device" when one is
 * known.  Callers add their own keys (fcreplayctl: "error_name", "job"). */
#pragma once
#include <stdbool.h>
#include <json-c/json.h>

/* device may be NULL; result NULL: the name of the result that goes with
 * exit_code (daemon/result.h).  With
 * exit code 0 (nothing to do, e.g. a clean device) the text is under
 * "message" instead of "error". */
struct json_object *json_error_new(const char *device, int exit_code, const char *result, const char *error,
                                   bool written);
