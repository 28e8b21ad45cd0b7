/* Every string of a JSON tree in one of escape.h's forms.  Apart from
 * escape.c so that programs without JSON do not pull json-c in. */
#include <errno.h>
#include <json-c/json.h>
#include <fcreplay/escape.h>

typedef char *(*form_fn)(const char *s, size_t len);

static int map_strings(struct json_object *o, form_fn form) {
        int r = 0;

        switch (json_object_get_type(o)) {
        case json_type_string: {
                char *s = form(json_object_get_string(o), (size_t) json_object_get_string_len(o));

                if (!s || json_object_set_string(o, s) == 0)
                        r = -ENOMEM;
                free(s);
                return r;
        }
        case json_type_array:
                for (size_t i = 0; r >= 0 && i < json_object_array_length(o); i++)
                        r = map_strings(json_object_array_get_idx(o, i), form);
                return r;
        case json_type_object: {
                json_object_object_foreach(o, key, v) {
                        (void) key;
                        if (r >= 0)
                                r = map_strings(v, form);
                }
                return r;
        }
        default:
                return 0;
        }
}

int fcr_json_make_valid(struct json_object *o) {
        return map_strings(o, fcr_utf8_make_valid);
}

int fcr_json_escape_text(struct json_object *o) {
        return map_strings(o, fcr_escape_text);
}
