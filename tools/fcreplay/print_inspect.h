/* The text form of `inspect`, printed from its JSON report
 * (fcr_report_inspect()): one printer for fcreplay, which has the engine,
 * and fcreplayctl, which has only the daemon's JSON. */
#pragma once
#include <stdio.h>
#include <json-c/json.h>

void print_inspect_report(FILE *f, struct json_object *report);
