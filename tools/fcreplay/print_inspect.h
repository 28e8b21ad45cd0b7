/* The text form of `inspect`, printed from its view (<fcreplay/inspect.h>):
 * fcreplay builds the view from the engine, fcreplayctl reads it back
 * from the daemon's JSON; one printer for both. */
#pragma once
#include <stdio.h>
#include <json-c/json.h>
#include <fcreplay/inspect.h>

void print_inspect(FILE *f, const struct fcr_inspect *v);
/* Text from the disk (file names in a tag's text, a plan line), escaped
 * as <fcreplay/escape.h> does for terminals: no byte of it can forge a
 * line or drive the terminal. */
void print_disk_text(FILE *f, const char *s);
/* The report's JSON read back into a view, then printed: -EBADMSG when it
 * is not an inspect report, -ENOMEM. */
int print_inspect_json(FILE *f, struct json_object *report);
