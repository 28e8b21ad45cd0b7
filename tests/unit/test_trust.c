/* lib/trust.c: the path walked one component at a time, symlinks
 * followed there (absolute, relative, with ".."), loops and dangling
 * links, relative paths, types; as root, owners and modes of every
 * component; not as root, types only. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "trust.h"
#include "unit.h"

static char *dir;
static struct fcr_diag diag;

static void setup(void) {
        dir = unit_mkdtemp();
        memset(&diag, 0, sizeof(diag));
}

static void teardown(void) {
        unit_rmtree(dir);
        free(dir);
}

/* DIR/rel */
static const char *at(const char *rel) {
        static char p[2][4200];
        static int i;

        i ^= 1;
        snprintf(p[i], sizeof(p[i]), "%s/%s", dir, rel);
        return p[i];
}

static void make_file(const char *rel, const char *text) {
        FILE *f = fopen(at(rel), "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

/* Open path as kind; return what it reads ("" for a directory). */
static int open_read(const char *path, enum fcr_trust_kind kind, char *buf, size_t len) {
        int fd, r = fcr_trust_open(AT_FDCWD, NULL, path, kind, "test file", &fd, &diag);
        ssize_t n = 0;

        if (r < 0)
                return r;
        if (kind != FCR_TRUST_DIR)
                n = read(fd, buf, len - 1);
        buf[n > 0 ? n : 0] = '\0';
        close(fd);
        return 0;
}

START_TEST(symlinks_followed) {
        char buf[64];

        ck_assert_int_eq(mkdir(at("a"), 0755), 0);
        ck_assert_int_eq(mkdir(at("a/b"), 0755), 0);
        make_file("a/b/f", "file");
        ck_assert_int_eq(symlink("b/f", at("a/rel")), 0);
        ck_assert_int_eq(symlink("../a/./b//f", at("a/dots")), 0);
        ck_assert_int_eq(symlink(at("a/b"), at("abs")), 0);
        ck_assert_int_eq(symlink("a/rel", at("chain")), 0);
        ck_assert_int_eq(open_read(at("a/rel"), FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "file");
        ck_assert_int_eq(open_read(at("a/dots"), FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "file");
        ck_assert_int_eq(open_read(at("abs/f"), FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "file");
        ck_assert_int_eq(open_read(at("chain"), FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "file");
        ck_assert_int_eq(open_read(at("abs/../b/../b"), FCR_TRUST_DIR, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(relative_to_cwd_and_to_a_directory) {
        char buf[64], cwd[4096];
        int dfd;

        make_file("f", "here");
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        ck_assert_int_eq(chdir(dir), 0);
        ck_assert_int_eq(open_read("./f", FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_int_eq(chdir(cwd), 0);
        ck_assert_str_eq(buf, "here");
        ck_assert_int_eq(fcr_trust_open(AT_FDCWD, NULL, dir, FCR_TRUST_DIR, "dir", &dfd, &diag), 0);
        make_file("g", "there");
        ck_assert_int_eq(fcr_trust_open(dfd, dir, "g", FCR_TRUST_FILE, "file", &(int) { 0 }, &diag), 0);
        ck_assert_int_eq(fcr_trust_open(dfd, dir, "none", FCR_TRUST_FILE, "file", &(int) { 0 }, &diag), -ENOENT);
        ck_assert_contains(diag.msg, at("none"));
        close(dfd);
}
END_TEST

START_TEST(loops_dangling_and_not_directories) {
        char buf[64];

        ck_assert_int_eq(symlink("loop2", at("loop1")), 0);
        ck_assert_int_eq(symlink("loop1", at("loop2")), 0);
        ck_assert_int_eq(open_read(at("loop1"), FCR_TRUST_FILE, buf, sizeof(buf)), -ELOOP);
        ck_assert_contains(diag.msg, "Too many levels of symbolic links");
        ck_assert_int_eq(symlink("/nonexistent/fcr", at("gone")), 0);
        ck_assert_int_eq(open_read(at("gone"), FCR_TRUST_FILE, buf, sizeof(buf)), -ENOENT);
        ck_assert_contains(diag.msg, "/nonexistent: No such file or directory");
        make_file("f", "x");
        ck_assert_int_eq(open_read(at("f/g"), FCR_TRUST_FILE, buf, sizeof(buf)), -ENOTDIR);
        ck_assert_int_eq(open_read(dir, FCR_TRUST_FILE, buf, sizeof(buf)), -EMEDIUMTYPE);
        ck_assert_contains(diag.msg, "is a directory, not a regular file");
        ck_assert_int_eq(open_read(at("f"), FCR_TRUST_DIR, buf, sizeof(buf)), -EMEDIUMTYPE);
        ck_assert_contains(diag.msg, "is a regular file, not a directory");
}
END_TEST

START_TEST(types) {
        char buf[64];

        ck_assert_int_eq(mkfifo(at("fifo"), 0644), 0);
        ck_assert_int_eq(open_read(at("fifo"), FCR_TRUST_CONFIG, buf, sizeof(buf)), -EMEDIUMTYPE);
        ck_assert_contains(diag.msg, "is a FIFO, not a regular file");
        ck_assert_int_eq(open_read("/dev/null", FCR_TRUST_CONFIG, buf, sizeof(buf)), 0);
        ck_assert_int_eq(open_read("/dev/null", FCR_TRUST_FILE, buf, sizeof(buf)), -EMEDIUMTYPE);
        ck_assert_contains(diag.msg, "is a character device");
}
END_TEST

/* --- As root. */

static uid_t nobody(void) {
        struct passwd *pw = getpwnam("nobody");

        return pw ? pw->pw_uid : 65534;
}

START_TEST(owners_and_modes) {
        char buf[64], want[4400];

        ck_assert_int_eq(mkdir(at("d"), 0755), 0);
        make_file("d/f", "x");
        ck_assert_int_eq(symlink("d/f", at("link")), 0);
        ck_assert_int_eq(lchown(at("link"), nobody(), -1), 0);
        ck_assert_int_eq(open_read(at("link"), FCR_TRUST_FILE, buf, sizeof(buf)), -EPERM);
        snprintf(want, sizeof(want), "refusing test file %s: %s is owned by uid", at("link"), at("link"));
        ck_assert_contains(diag.msg, want);
        ck_assert_int_eq(open_read(at("d/f"), FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_int_eq(chmod(at("d"), 0775), 0);
        ck_assert_int_eq(open_read(at("d/f"), FCR_TRUST_FILE, buf, sizeof(buf)), -EPERM);
        ck_assert_contains(diag.msg, "is group- or world-writable (mode 0775)");
        ck_assert_int_eq(chmod(at("d"), 01777), 0);     /* sticky: root's entries are root's */
        ck_assert_int_eq(open_read(at("d/f"), FCR_TRUST_FILE, buf, sizeof(buf)), 0);
        ck_assert_int_eq(chown(at("d/f"), nobody(), -1), 0);
        ck_assert_int_eq(open_read(at("d/f"), FCR_TRUST_FILE, buf, sizeof(buf)), -EPERM);
        /* /dev/null is writable by all, and still read as empty. */
        ck_assert_int_eq(open_read("/dev/null", FCR_TRUST_CONFIG, buf, sizeof(buf)), 0);
}
END_TEST

/* Not as root: owners and modes are the user's business; types are not. */
START_TEST(not_as_root) {
        char buf[64];
        pid_t pid;
        int status;

        ck_assert_int_eq(mkdir(at("d"), 0777), 0);
        make_file("d/f", "x");
        ck_assert_int_eq(chmod(at("d/f"), 0666), 0);
        ck_assert_int_eq(mkfifo(at("d/fifo"), 0666), 0);
        ck_assert_int_eq(chmod(dir, 0755), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (setgid(65534) < 0 || setuid(nobody()) < 0 || fcr_trust_enforced())
                        _exit(2);
                if (open_read(at("d/f"), FCR_TRUST_FILE, buf, sizeof(buf)) < 0)
                        _exit(3);
                _exit(open_read(at("d/fifo"), FCR_TRUST_FILE, buf, sizeof(buf)) == -EMEDIUMTYPE ? 0 : 4);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: status %d", status);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("trust");
        TCase *tc = tcase_create("walk");
        TCase *root = tcase_create("as root");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, symlinks_followed);
        tcase_add_test(tc, relative_to_cwd_and_to_a_directory);
        tcase_add_test(tc, loops_dangling_and_not_directories);
        tcase_add_test(tc, types);
        suite_add_tcase(s, tc);
        if (geteuid() != 0) {
                printf("trust: not root: the ownership tests do not run\n");
                return s;
        }
        tcase_add_checked_fixture(root, setup, teardown);
        tcase_add_test(root, owners_and_modes);
        tcase_add_test(root, not_as_root);
        suite_add_tcase(s, root);
        return s;
}

int main(void) {
        return unit_run(suite());
}
