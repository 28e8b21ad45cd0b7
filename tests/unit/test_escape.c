/* lib/escape.c and lib/escape_json.c: strings from the disk made valid
 * UTF-8 (D-Bus, JSON) or safe text (terminals, log lines). */
#include <string.h>
#include <json-c/json.h>
#include <fcreplay/escape.h>
#include <fcreplay/util.h>
#include "unit.h"

static void valid_is(const char *in, const char *want) {
        _cleanup_free_ char *s = fcr_utf8_make_valid(in, strlen(in));

        ck_assert_str_eq(s, want);
}

static void text_is(const char *in, const char *want) {
        _cleanup_free_ char *s = fcr_escape_text(in, strlen(in));

        ck_assert_str_eq(s, want);
}

START_TEST(utf8_characters) {
        ck_assert_uint_eq(fcr_utf8_char("a", 1), 1);
        ck_assert_uint_eq(fcr_utf8_char("\xc3\xa9", 2), 2);             /* é */
        ck_assert_uint_eq(fcr_utf8_char("\xe2\x82\xac", 3), 3);         /* € */
        ck_assert_uint_eq(fcr_utf8_char("\xf0\x9f\x98\x80", 4), 4);     /* U+1F600 */
        ck_assert_uint_eq(fcr_utf8_char("\xc3\xa9", 1), 0);             /* cut short */
        ck_assert_uint_eq(fcr_utf8_char("\xc0\xaf", 2), 0);             /* overlong '/' */
        ck_assert_uint_eq(fcr_utf8_char("\xe0\x80\xaf", 3), 0);         /* overlong */
        ck_assert_uint_eq(fcr_utf8_char("\xed\xa0\x80", 3), 0);         /* surrogate */
        ck_assert_uint_eq(fcr_utf8_char("\xf4\x90\x80\x80", 4), 0);     /* past U+10FFFF */
        ck_assert_uint_eq(fcr_utf8_char("\xef\xbf\xbe", 3), 0);         /* U+FFFE */
        ck_assert_uint_eq(fcr_utf8_char("\xef\xb7\x90", 3), 0);         /* U+FDD0 */
        ck_assert_uint_eq(fcr_utf8_char("\x80", 1), 0);                 /* lone continuation */
        ck_assert_uint_eq(fcr_utf8_char("\xff", 1), 0);
}
END_TEST

START_TEST(make_valid) {
        valid_is("backup", "backup");
        valid_is("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
        /* Controls are valid UTF-8: kept (a client escapes them to show). */
        valid_is("a\nb\x1b[2J", "a\nb\x1b[2J");
        /* Each stray byte: one U+FFFD. */
        valid_is("ab\xff\xfe", "ab\xef\xbf\xbd\xef\xbf\xbd");
        valid_is("\xc3(", "\xef\xbf\xbd(");
        valid_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        valid_is("", "");
}
END_TEST

START_TEST(text_form) {
        text_is("my disk", "my disk");
        text_is("caf\xc3\xa9", "caf\xc3\xa9");
        /* A forged row, a screen clear, a terminal title, C1 CSI, DEL. */
        text_is("x\nsda clean", "x\\x0asda clean");
        text_is("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07");
        text_is("\xc2\x9b" "31m", "\\xc2\\x9b31m");
        text_is("a\x7f", "a\\x7f");
        /* A right-to-left override and a line separator. */
        text_is("\xe2\x80\xae" "abc", "\\xe2\\x80\\xaeabc");
        text_is("\xe2\x80\xa8", "\\xe2\\x80\\xa8");
        /* Invalid bytes, and the backslash doubled so that the form names
         * the bytes exactly. */
        text_is("\xff\\x41", "\\xff\\\\x41");
        text_is("$(reboot);`id`|&>", "$(reboot);`id`|&>");
}
END_TEST

START_TEST(longest_input) {
        char in[256], want[4 * 255 + 1] = "";
        _cleanup_free_ char *s = NULL;

        memset(in, 0x1b, 255);
        in[255] = '\0';
        for (int i = 0; i < 255; i++)
                strcat(want, "\\x1b");
        s = fcr_escape_text(in, 255);
        ck_assert_str_eq(s, want);
}
END_TEST

START_TEST(json_trees) {
        struct json_object *o = json_object_new_object(), *a = json_object_new_array();

        json_object_object_add(o, "label", json_object_new_string("a\xff\n"));
        json_object_array_add(a, json_object_new_string_len("\x1b\xc3", 2));
        json_object_array_add(a, json_object_new_int(7));
        json_object_object_add(o, "names", a);
        ck_assert_int_eq(fcr_json_make_valid(o), 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "label")), "a\xef\xbf\xbd\n");
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, 0)), "\x1b\xef\xbf\xbd");
        ck_assert_int_eq(fcr_json_escape_text(o), 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "label")), "a\xef\xbf\xbd\\x0a");
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, 0)), "\\x1b\xef\xbf\xbd");
        ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(a, 1)), 7);
        json_object_put(o);
}
END_TEST

int main(void) {
        Suite *s = suite_create("escape");
        TCase *tc = tcase_create("escape");

        tcase_add_test(tc, utf8_characters);
        tcase_add_test(tc, make_valid);
        tcase_add_test(tc, text_form);
        tcase_add_test(tc, longest_input);
        tcase_add_test(tc, json_trees);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
