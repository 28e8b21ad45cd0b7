/* The few json-c calls every report makes, one way (header-only: the
 * view's JSON, lib/inspect_view.c, is built into fcreplayctl too). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

static inline void add_int(struct json_object *o, const char *k, int64_t v) {
        json_object_object_add(o, k, json_object_new_int64(v));
}

static inline void add_str(struct json_object *o, const char *k, const char *v) {
        json_object_object_add(o, k, json_object_new_string(v));
}

static inline void add_bool(struct json_object *o, const char *k, bool v) {
        json_object_object_add(o, k, json_object_new_boolean(v));
}

/* A string, or JSON null. */
static inline void add_str_or_null(struct json_object *o, const char *k, const char *v) {
        json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}
