/* Strings from the disk (labels, UUIDs, file names in a log, a loop
 * device's backing file) are bytes, not text: they may hold invalid
 * UTF-8, which sd-bus and strict JSON readers refuse, and controls, which
 * forge rows in a table or drive a terminal.  Two forms, one rule each
 * (docs/strings.md):
 *
 *   valid UTF-8 (D-Bus, JSON): each byte that does not begin or continue a
 *     valid character becomes U+FFFD; valid text is left exactly as it is;
 *   text (terminals, log lines): each byte not part of a printable
 *     character is written \xNN, a backslash \\; the result is printable
 *     ASCII and UTF-8, one line, and names the original bytes exactly.
 *
 * lib/libescape.la, for fcreplayd, fcreplay and fcreplayctl alike. */
#pragma once
#include <stddef.h>

struct json_object;

/* The length (1-4) of the valid UTF-8 character at s (len bytes left), or
 * 0 if the bytes there do not make one.  Overlong forms, surrogates,
 * code points past U+10FFFF and the noncharacters that sd-bus refuses
 * (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF) do not. */
size_t fcr_utf8_char(const char *s, size_t len);

/* s (len bytes) as valid UTF-8, newly allocated; NULL without memory. */
char *fcr_utf8_make_valid(const char *s, size_t len);

/* s (len bytes) in the text form, newly allocated; NULL without memory. */
char *fcr_escape_text(const char *s, size_t len);

/* Every string in the JSON tree o replaced by its valid UTF-8 form
 * (make_valid) or its text form: a report whose strings come from the disk
 * made fit for a JSON reader, or for printing.  Returns 0 or -ENOMEM. */
int fcr_json_make_valid(struct json_object *o);
int fcr_json_escape_text(struct json_object *o);
