/* lib/conf_file.c: "key = value" files, the tool's keys, errors naming
 * file and line, and $FCREPLAY_CONFIG. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcreplay/conf_file.h>
#include "unit.h"

static char *dir;
static char path[4096];
static struct fcr_diag diag;

static void setup(void) {
        dir = unit_mkdtemp();
        snprintf(path, sizeof(path), "%s/fcreplay.conf", dir);
        memset(&diag, 0, sizeof(diag));
}

static void teardown(void) {
        unit_rmtree(dir);
        free(dir);
}

static void write_conf(const char *text) {
        FILE *f = fopen(path, "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

START_TEST(good_keys) {
        struct fcr_tool_config c = {};

        write_conf("# fcreplay settings\n\n  allocator   =  goal  \n\tplugin_dir=/opt/fc/plugins\n# end\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), 0);
        ck_assert_str_eq(c.allocator, "goal");
        ck_assert_str_eq(c.plugin_dir, "/opt/fc/plugins");
        fcr_tool_config_done(&c);
        ck_assert_ptr_null(c.allocator);
        ck_assert_ptr_null(c.plugin_dir);
}
END_TEST

START_TEST(later_key_wins_and_value_keeps_equals) {
        struct fcr_tool_config c = {};

        write_conf("allocator = kernel\nallocator = a=b\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), 0);
        ck_assert_str_eq(c.allocator, "a=b");
        ck_assert_ptr_null(c.plugin_dir);
        fcr_tool_config_done(&c);
}
END_TEST

START_TEST(no_trailing_newline) {
        struct fcr_tool_config c = {};

        write_conf("allocator = goal");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), 0);
        ck_assert_str_eq(c.allocator, "goal");
        fcr_tool_config_done(&c);
}
END_TEST

START_TEST(unknown_key_names_file_and_line) {
        struct fcr_tool_config c = {};
        char want[4200];

        write_conf("# comment\nallocator = goal\n\nallocatr = kernel\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EINVAL);
        snprintf(want, sizeof(want), "%s:4: ", path);
        ck_assert_contains(diag.msg, want);
        ck_assert_contains(diag.msg, "unknown key 'allocatr'");
        /* Nothing leaks out of a failed load. */
        ck_assert_ptr_null(c.allocator);
}
END_TEST

START_TEST(bad_values) {
        struct fcr_tool_config c = {};
        char want[4200];

        write_conf("plugin_dir = relative/dir\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EINVAL);
        snprintf(want, sizeof(want), "%s:1: ", path);
        ck_assert_contains(diag.msg, want);
        ck_assert_contains(diag.msg, "absolute path");
        ck_assert_contains(diag.msg, "relative/dir");

        write_conf("\n\nallocator =\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EINVAL);
        snprintf(want, sizeof(want), "%s:3: ", path);
        ck_assert_contains(diag.msg, want);
        ck_assert_contains(diag.msg, "'allocator' needs a value");
}
END_TEST

START_TEST(missing_equals) {
        struct fcr_tool_config c = {};
        char want[4200];

        write_conf("allocator goal\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EINVAL);
        snprintf(want, sizeof(want), "%s:1: expected 'key = value'", path);
        ck_assert_str_eq(diag.msg, want);
}
END_TEST

START_TEST(line_too_long) {
        struct fcr_tool_config c = {};
        char *big = malloc(6000);

        memset(big, 'a', 5000);
        strcpy(big + 5000, " = x\n");
        write_conf(big);
        free(big);
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EINVAL);
        ck_assert_contains(diag.msg, ":1: line too long");
}
END_TEST

/* Only the default path may be missing; a file named explicitly
 * ($FCREPLAY_CONFIG) must exist. */
START_TEST(missing_file_optional) {
        struct fcr_tool_config c = {};

        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -ENOENT);
        ck_assert_contains(diag.msg, path);
        ck_assert_ptr_null(c.allocator);
        ck_assert_ptr_null(c.plugin_dir);
}
END_TEST

START_TEST(comment_after_value) {
        struct fcr_tool_config c = {};

        write_conf("allocator = goal # the other one\nplugin_dir = /opt/a#b\n");
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), 0);
        ck_assert_str_eq(c.allocator, "goal");
        ck_assert_str_eq(c.plugin_dir, "/opt/a#b");
        ck_assert_str_eq(c.allocator_origin + strlen(c.allocator_origin) - 2, ":1");
        fcr_tool_config_done(&c);
}
END_TEST

static int count_key(const char *key, const char *value, unsigned line, void *userdata, char *why, size_t why_len) {
        (*(int *) userdata)++;
        if (strcmp(key, "bad") == 0) {
                snprintf(why, why_len, "value '%s' rejected", value);
                return -EINVAL;
        }
        if (strcmp(key, "quiet") == 0)
                return -EINVAL;
        return 0;
}

START_TEST(generic_parser) {
        int n = 0;

        ck_assert_int_eq(fcr_config_parse(path, false, count_key, &n, &diag), -ENOENT);
        ck_assert_contains(diag.msg, "cannot read");
        ck_assert_contains(diag.msg, path);
        ck_assert_int_eq(n, 0);

        write_conf("a = 1\nb = 2\nbad = 3\nc = 4\n");
        ck_assert_int_eq(fcr_config_parse(path, false, count_key, &n, &diag), -EINVAL);
        ck_assert_int_eq(n, 3);         /* stops at the first error */
        ck_assert_contains(diag.msg, ":3: value '3' rejected");

        n = 0;
        write_conf("quiet = 1\n");
        ck_assert_int_eq(fcr_config_parse(path, false, count_key, &n, &diag), -EINVAL);
        ck_assert_contains(diag.msg, ":1: invalid setting");
}
END_TEST

/* fopen("re") of a directory succeeds on Linux and the first fgets()
 * fails with EISDIR: that must be an error, not an empty file. */
START_TEST(unreadable_path_not_optional_error) {
        struct fcr_tool_config c = {};

        /* A directory is not "missing": even an optional load fails. */
        ck_assert_int_lt(fcr_tool_config_load(dir, &c, &diag), 0);
        ck_assert_contains(diag.msg, dir);
}
END_TEST

START_TEST(config_path_from_env) {
        setenv("FCREPLAY_CONFIG", "/some/where/x.conf", 1);
        ck_assert_str_eq(fcr_tool_config_path(), "/some/where/x.conf");
        setenv("FCREPLAY_CONFIG", "", 1);
        ck_assert_str_eq(fcr_tool_config_path(), SYSCONFDIR "/fcreplay/fcreplay.conf");
        unsetenv("FCREPLAY_CONFIG");
        ck_assert_str_eq(fcr_tool_config_path(), SYSCONFDIR "/fcreplay/fcreplay.conf");
}
END_TEST

START_TEST(dev_null_is_empty_config) {
        struct fcr_tool_config c = {};

        ck_assert_int_eq(fcr_tool_config_load("/dev/null", &c, &diag), 0);
        ck_assert_ptr_null(c.allocator);
}
END_TEST

/* Issue 23 0.7: a FIFO is refused by type at once; it used to block
 * the open for ever (Check's time limit bounds the test). */
START_TEST(fifo_refused) {
        struct fcr_tool_config c = {};

        ck_assert_int_eq(mkfifo(path, 0644), 0);
        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EMEDIUMTYPE);
        ck_assert_contains(diag.msg, path);
        ck_assert_contains(diag.msg, "is a FIFO, not a regular file");
}
END_TEST

START_TEST(other_devices_refused) {
        struct fcr_tool_config c = {};

        ck_assert_int_eq(fcr_tool_config_load("/dev/zero", &c, &diag), -EMEDIUMTYPE);
        ck_assert_contains(diag.msg, "refusing configuration file /dev/zero: /dev/zero is a character device");
}
END_TEST

/* --- As root: a file someone else could have written is refused. */

static uid_t nobody(void) {
        struct passwd *pw = getpwnam("nobody");

        return pw ? pw->pw_uid : 65534;
}

/* load() fails with -EPERM, naming the file and culprit, and why. */
static void refused(const char *culprit, const char *why) {
        struct fcr_tool_config c = {};
        char want[4400];

        ck_assert_int_eq(fcr_tool_config_load(path, &c, &diag), -EPERM);
        snprintf(want, sizeof(want), "refusing configuration file %s: %s %s", path, culprit, why);
        ck_assert_contains(diag.msg, want);
        ck_assert_ptr_null(c.plugin_dir);
}

START_TEST(owned_by_a_user) {
        write_conf("plugin_dir = /home/user/plugins\n");
        ck_assert_int_eq(chown(path, nobody(), -1), 0);
        refused(path, "is owned by uid");
}
END_TEST

START_TEST(writable_by_others) {
        write_conf("plugin_dir = /home/user/plugins\n");
        ck_assert_int_eq(chmod(path, 0666), 0);
        refused(path, "is group- or world-writable (mode 0666)");
        ck_assert_int_eq(chmod(path, 0620), 0);
        refused(path, "is group- or world-writable (mode 0620)");
}
END_TEST

START_TEST(in_a_users_directory) {
        write_conf("plugin_dir = /home/user/plugins\n");
        ck_assert_int_eq(chown(dir, nobody(), -1), 0);
        refused(dir, "is owned by uid");
}
END_TEST

/* A symlink to a user's file, and root's file behind a user's symlink. */
START_TEST(symlinked_to_a_users_file) {
        char target[4200], user_dir[4200], link[4300];
        FILE *f;

        snprintf(target, sizeof(target), "%s/user.conf", dir);
        f = fopen(target, "w");
        ck_assert_ptr_nonnull(f);
        fputs("plugin_dir = /home/user/plugins\n", f);
        fclose(f);
        ck_assert_int_eq(chown(target, nobody(), -1), 0);
        ck_assert_int_eq(symlink(target, path), 0);
        refused(target, "is owned by uid");

        ck_assert_int_eq(chown(target, 0, -1), 0);
        snprintf(user_dir, sizeof(user_dir), "%s/user", dir);
        ck_assert_int_eq(mkdir(user_dir, 0755), 0);
        snprintf(link, sizeof(link), "%s/link.conf", user_dir);
        ck_assert_int_eq(symlink(target, link), 0);
        ck_assert_int_eq(lchown(link, nobody(), -1), 0);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(symlink(link, path), 0);
        refused(link, "is owned by uid");       /* the symlink itself */
        ck_assert_int_eq(lchown(link, 0, -1), 0);
        ck_assert_int_eq(chown(user_dir, nobody(), -1), 0);
        refused(user_dir, "is owned by uid");   /* the symlink's directory */
}
END_TEST

/* Root's own, in a root directory below sticky /tmp: read. */
START_TEST(roots_own_is_read) {
        struct fcr_tool_config c = {};
        char link[4200];

        write_conf("plugin_dir = /opt/plugins\n");
        snprintf(link, sizeof(link), "%s/link.conf", dir);
        ck_assert_int_eq(symlink("fcreplay.conf", link), 0);
        ck_assert_msg(fcr_tool_config_load(link, &c, &diag) == 0, "%s", diag.msg);
        ck_assert_str_eq(c.plugin_dir, "/opt/plugins");
        fcr_tool_config_done(&c);
}
END_TEST

static void add_root_tests(Suite *s) {
        TCase *tc = tcase_create("as root");

        if (geteuid() != 0) {
                printf("conf_file: not root: the ownership tests do not run\n");
                return;
        }
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, owned_by_a_user);
        tcase_add_test(tc, writable_by_others);
        tcase_add_test(tc, in_a_users_directory);
        tcase_add_test(tc, symlinked_to_a_users_file);
        tcase_add_test(tc, roots_own_is_read);
        suite_add_tcase(s, tc);
}

static Suite *suite(void) {
        Suite *s = suite_create("conf_file");
        TCase *tc = tcase_create("parse");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, good_keys);
        tcase_add_test(tc, later_key_wins_and_value_keeps_equals);
        tcase_add_test(tc, no_trailing_newline);
        tcase_add_test(tc, unknown_key_names_file_and_line);
        tcase_add_test(tc, bad_values);
        tcase_add_test(tc, missing_equals);
        tcase_add_test(tc, line_too_long);
        tcase_add_test(tc, missing_file_optional);
        tcase_add_test(tc, comment_after_value);
        tcase_add_test(tc, generic_parser);
        tcase_add_test(tc, unreadable_path_not_optional_error);
        tcase_add_test(tc, config_path_from_env);
        tcase_add_test(tc, dev_null_is_empty_config);
        tcase_add_test(tc, fifo_refused);
        tcase_add_test(tc, other_devices_refused);
        suite_add_tcase(s, tc);
        add_root_tests(s);
        return s;
}

int main(void) {
        return unit_run(suite());
}
