/* lib/plugins.c: loading tag and allocator plugins from DIR/tags/NAME.so and
 * DIR/alloc/NAME.so.  Each test builds its own plugin directory of symlinks
 * to the test plugins in tests/unit/plugins/ and checks what the loader
 * accepts, what it refuses and the message it gives, and that unloading
 * follows the reference count. */
#include <dlfcn.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pluginhost/plugins.h"
#include "unit.h"

#ifndef UNIT_PLUGIN_DIR
#error UNIT_PLUGIN_DIR must name the directory of the built test plugins
#endif

static char *dir;
static char logpath[4200];
static struct fcr_diag diag;
static struct fcr_plugins *P;

static void setup(void) {
        char sub[4200];

        dir = unit_mkdtemp();
        snprintf(sub, sizeof(sub), "%s/tags", dir);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        snprintf(sub, sizeof(sub), "%s/alloc", dir);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        snprintf(logpath, sizeof(logpath), "%s/plugin.log", dir);
        setenv("FCR_TEST_PLUGIN_LOG", logpath, 1);
        memset(&diag, 0, sizeof(diag));
        P = NULL;
}

static void teardown(void) {
        fcr_plugins_unref(P);
        unit_rmtree(dir);
        free(dir);
}

/* Link test plugin NAME as DIR/SUB/AS (AS defaults to NAME.so). */
static void add(const char *sub, const char *name, const char *as) {
        char src[4200], dst[4200];

        snprintf(src, sizeof(src), "%s/%s.so", UNIT_PLUGIN_DIR, name);
        ck_assert_msg(access(src, R_OK) == 0, "test plugin %s not built", src);
        if (as)
                snprintf(dst, sizeof(dst), "%s/%s/%s", dir, sub, as);
        else
                snprintf(dst, sizeof(dst), "%s/%s/%s.so", dir, sub, name);
        ck_assert_int_eq(symlink(src, dst), 0);
}

static void add_file(const char *sub, const char *name, const char *text) {
        char p[4200];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, name);
        f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

static char *plugin_path(const char *sub, const char *file) {
        static char p[4200];

        snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, file);
        return p;
}

static char *read_log(void) {
        static char buf[4096];
        FILE *f = fopen(logpath, "r");
        size_t n = 0;

        if (f) {
                n = fread(buf, 1, sizeof(buf) - 1, f);
                fclose(f);
        }
        buf[n] = '\0';
        return buf;
}

static int load(void) {
        return fcr_plugins_load(dir, &P, &diag);
}

START_TEST(good_plugins_load) {
        const struct fcr_tag_plugin *t;
        const struct fcr_alloc_plugin *a;
        uint8_t v[4] = {};
        uint64_t got = 0;
        struct fcr_alloc_request req = { .goal = 41 };

        add("tags", "good_tag", NULL);
        add("alloc", "good_alloc", "testalloc.so");
        add_file("tags", "README", "not a plugin, not .so: ignored\n");
        add_file("alloc", "notes.so.txt", "ignored too\n");
        ck_assert_int_eq(load(), 0);
        ck_assert_ptr_nonnull(P);
        t = fcr_plugins_tag(P, 200);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t->name, "GOOD");
        ck_assert_int_eq(t->validate(NULL, v, 4), 0);
        ck_assert_int_eq(t->validate(NULL, v, 3), -EINVAL);
        ck_assert_ptr_null(fcr_plugins_tag(P, 1));
        ck_assert_uint_eq(fcr_plugins_alloc_count(P), 1);
        a = fcr_plugins_alloc(P, "testalloc");
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_eq(fcr_plugins_alloc_nth(P, 0), a);
        ck_assert_ptr_null(fcr_plugins_alloc_nth(P, 1));
        ck_assert_ptr_null(fcr_plugins_alloc(P, "kernel"));
        ck_assert_int_eq(a->alloc(NULL, &req, &got), 0);
        ck_assert_uint_eq(got, 42);
        ck_assert_str_eq(fcr_plugins_dir_of(P), dir);
        ck_assert_str_eq(read_log(), "init good_tag\ninit good_alloc\n");
}
END_TEST

START_TEST(empty_dirs_load_nothing) {
        ck_assert_int_eq(load(), 0);
        ck_assert_uint_eq(fcr_plugins_alloc_count(P), 0);
        ck_assert_ptr_null(fcr_plugins_tag(P, 200));
}
END_TEST

START_TEST(missing_subdir) {
        char sub[4200];

        snprintf(sub, sizeof(sub), "%s/alloc", dir);
        ck_assert_int_eq(rmdir(sub), 0);
        ck_assert_int_lt(load(), 0);
        ck_assert_ptr_null(P);
        ck_assert_contains(diag.msg, "cannot read");
        ck_assert_contains(diag.msg, sub);
        ck_assert_contains(diag.msg, "No such file or directory");
}
END_TEST

START_TEST(refcounted_unload) {
        char path[4200];
        void *h;

        add("tags", "good_tag", NULL);
        ck_assert_int_eq(load(), 0);
        snprintf(path, sizeof(path), "%s", plugin_path("tags", "good_tag.so"));
        ck_assert_ptr_eq(fcr_plugins_ref(P), P);
        fcr_plugins_unref(P);
        ck_assert_str_eq(read_log(), "init good_tag\n");
        /* Still loaded: the descriptor is usable. */
        ck_assert_str_eq(fcr_plugins_tag(P, 200)->name, "GOOD");
        h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
        ck_assert_ptr_nonnull(h);
        dlclose(h);
        fcr_plugins_unref(P);
        P = NULL;
        ck_assert_str_eq(read_log(), "init good_tag\nfini good_tag\n");
        ck_assert_ptr_null(dlopen(path, RTLD_NOW | RTLD_NOLOAD));
        /* NULL is accepted by both. */
        ck_assert_ptr_null(fcr_plugins_ref(NULL));
        fcr_plugins_unref(NULL);
}
END_TEST

START_TEST(unload_in_reverse_order) {
        add("tags", "good_tag", NULL);
        add("alloc", "good_alloc", "testalloc.so");
        ck_assert_int_eq(load(), 0);
        fcr_plugins_unref(P);
        P = NULL;
        ck_assert_str_eq(read_log(), "init good_tag\ninit good_alloc\nfini good_alloc\nfini good_tag\n");
}
END_TEST

/* The plugin kind/name.so alone is refused: nothing loaded, and the
 * reason names the file and says why. */
static void refused_alone(const char *kind, const char *name, const char *why) {
        char file[256];

        snprintf(file, sizeof(file), "%s.so", name);
        add(kind, name, NULL);
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_ptr_null(P);
        ck_assert_contains(diag.msg, plugin_path(kind, file));
        ck_assert_contains(diag.msg, why);
}

START_TEST(wrong_abi_version) {
        refused_alone("tags", "bad_abi", "ABI version 100");
        ck_assert_contains(diag.msg, "needs 2");
}
END_TEST

START_TEST(wrong_alloc_abi_version) {
        refused_alone("alloc", "bad_abi_alloc", "allocator plugin");
        ck_assert_contains(diag.msg, "ABI version 43");
        ck_assert_contains(diag.msg, "needs 2");
}
END_TEST

START_TEST(missing_descriptor_symbol) {
        refused_alone("tags", "no_symbol", "does not export fcr_tag_plugin");
}
END_TEST

START_TEST(tag_plugin_in_alloc_dir) {
        /* A tag plugin exports no allocator descriptor. */
        refused_alone("alloc", "good_tag", "does not export fcr_alloc_plugin");
}
END_TEST

START_TEST(missing_required_function) {
        refused_alone("tags", "no_replay", "lacks a required member");
}
END_TEST

START_TEST(missing_alloc_function) {
        refused_alone("alloc", "no_alloc_fn", "lacks a required member (name, alloc)");
}
END_TEST

START_TEST(alloc_descriptor_too_small) {
        /* struct_size below the ABI's minimum: an incompatible layout. */
        refused_alone("alloc", "small_alloc", "has a descriptor of");
}
END_TEST

START_TEST(init_fails) {
        /* Sorted load order: a_good_tag first, then b_init_fail.  The
         * failure unloads the good one again, running its fini; the failed
         * plugin's fini never runs. */
        add("tags", "good_tag", "a_good_tag.so");
        add("tags", "init_fail", "b_init_fail.so");
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_ptr_null(P);
        ck_assert_contains(diag.msg, plugin_path("tags", "b_init_fail.so"));
        ck_assert_contains(diag.msg, "failed to initialise");
        ck_assert_contains(diag.msg, "Input/output error");
        ck_assert_str_eq(read_log(), "init good_tag\ninit init_fail\nfini good_tag\n");
}
END_TEST

START_TEST(two_plugins_one_tag) {
        add("tags", "good_tag", "a.so");
        add("tags", "dup_tag", "b.so");
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, "both claim tag 200");
        ck_assert_contains(diag.msg, plugin_path("tags", "a.so"));
        ck_assert_contains(diag.msg, plugin_path("tags", "b.so"));
}
END_TEST

START_TEST(two_plugins_one_tag_sorted_order) {
        /* Loading order is the sorted file names, whatever readdir says:
         * the first claimant is named first. */
        char *first, *second;

        add("tags", "good_tag", "zz_good.so");
        add("tags", "dup_tag", "aa_dup.so");
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, "both claim tag 200");
        first = strstr(diag.msg, "aa_dup.so");
        second = strstr(diag.msg, "zz_good.so");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_nonnull(second);
        ck_assert_msg(first < second, "claimants out of order: %s", diag.msg);
}
END_TEST

START_TEST(allocator_named_otherwise_than_its_file) {
        /* Listing reads file names, the engine descriptors: they must agree. */
        add("alloc", "good_alloc", "testalloc2.so");
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, plugin_path("alloc", "testalloc2.so"));
        ck_assert_contains(diag.msg, "calls itself 'testalloc'");
}
END_TEST

START_TEST(allocators_listed) {
        char **names = NULL;

        /* A tag plugin that would fail is not even loaded to list allocators. */
        add("tags", "init_fail", NULL);
        add("alloc", "good_alloc", "testalloc.so");
        ck_assert_msg(fcr_allocators_list(dir, &names, &diag) == 0, "%s", diag.msg);
        ck_assert_str_eq(names[0], "testalloc");
        ck_assert_ptr_null(names[1]);
        fcr_allocators_free(names);
        names = NULL;
        /* Checked from the files alone: no plugin's init runs. */
        ck_assert_str_eq(read_log(), "init good_alloc\nfini good_alloc\n");
        ck_assert_msg(fcr_allocators_check(dir, "testalloc", &diag) == 0, "%s", diag.msg);
        ck_assert_str_eq(read_log(), "init good_alloc\nfini good_alloc\n");
        add("alloc", "good_alloc", "other.so");
        ck_assert_int_eq(fcr_allocators_list(dir, &names, &diag), -ELIBBAD);
        ck_assert_ptr_null(names);
        ck_assert_contains(diag.msg, "calls itself 'testalloc'");
}
END_TEST

START_TEST(not_an_elf_file) {
        add_file("tags", "garbage.so", "This is a text file that merely ends in .so, and it is long "
                 "enough that the dynamic loader reads a whole ELF header's worth of it.\n");
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, "cannot load plugin");
        ck_assert_contains(diag.msg, plugin_path("tags", "garbage.so"));
        ck_assert_contains(diag.msg, "not an ELF file");
}
END_TEST

START_TEST(dlopen_error_text) {
        refused_alone("tags", "undefined_sym", "cannot load plugin");
        ck_assert_contains(diag.msg, "undefined symbol: fcr_unit_missing_function");
}
END_TEST

START_TEST(dangling_symlink) {
        char dst[4200];

        snprintf(dst, sizeof(dst), "%s/tags/gone.so", dir);
        ck_assert_int_eq(symlink("/nonexistent/fcr/gone.so", dst), 0);
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, "gone.so");
        ck_assert_contains(diag.msg, "No such file or directory");
}
END_TEST

START_TEST(plugin_dir_choice) {
        setenv("FCREPLAY_PLUGIN_DIR", "/env/plugins", 1);
        ck_assert_str_eq(fcr_plugin_dir("/explicit"), "/explicit");
        ck_assert_str_eq(fcr_plugin_dir(NULL), "/env/plugins");
        ck_assert_str_eq(fcr_plugin_dir(""), "/env/plugins");
        unsetenv("FCREPLAY_PLUGIN_DIR");
        ck_assert_str_eq(fcr_plugin_dir(NULL), PKGLIBDIR);
        setenv("FCREPLAY_PLUGIN_DIR", "", 1);
        ck_assert_str_eq(fcr_plugin_dir(NULL), PKGLIBDIR);
}
END_TEST

START_TEST(older_descriptor_loads) {
        const struct fcr_tag_plugin *t;

        add("tags", "old_size", NULL);
        ck_assert_msg(load() == 0, "%s", diag.msg);
        t = fcr_plugins_tag(P, 6);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t->name, "OLDINODE");
        /* Beyond its struct_size: absent, whatever the bytes there. */
        ck_assert_ptr_null(t->describe);
        ck_assert_ptr_null(t->claims);
        ck_assert_uint_eq(t->head_feature, 0);
}
END_TEST

/* Issue 21: a descriptor larger than this engine's (a plugin built
 * against a newer one) loads; the members it does not know are left
 * out, and the copy has this engine's size. */
START_TEST(newer_descriptor_loads) {
        const struct fcr_tag_plugin *t;
        const struct fcr_alloc_plugin *a;

        add("tags", "new_size", NULL);
        add("alloc", "new_size_alloc", "newer.so");
        ck_assert_msg(load() == 0, "%s", diag.msg);
        t = fcr_plugins_tag(P, 201);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t->name, "NEWER");
        ck_assert_uint_eq(t->struct_size, sizeof(struct fcr_tag_plugin));
        ck_assert_ptr_nonnull(t->describe);
        ck_assert_ptr_null(t->claims);
        a = fcr_plugins_alloc(P, "newer");
        ck_assert_ptr_nonnull(a);
        ck_assert_uint_eq(a->struct_size, sizeof(struct fcr_alloc_plugin));
        ck_assert_str_eq(a->description, "built against a newer engine");
        ck_assert_msg(fcr_plugins_available(dir, "newer", &diag) == 0, "%s", diag.msg);
}
END_TEST

/* Issue 23 0.5: a root-owned library that is not a plugin (libm) is
 * refused from its ELF exports, before dlopen would run its
 * constructors. */
START_TEST(non_plugin_constructor_not_run) {
        refused_alone("tags", "ctor_marker", "does not export fcr_tag_plugin");
        ck_assert_str_eq(read_log(), "");
        ck_assert_int_eq(fcr_plugins_available(dir, NULL, &diag), -ELIBBAD);
        ck_assert_str_eq(read_log(), "");
}
END_TEST

/* Issue 23 0.5: a FIFO named *.so is refused at once (it used to block
 * open() for ever, with no writer); Check's time limit bounds the test. */
START_TEST(fifo_refused) {
        ck_assert_int_eq(mkfifo(plugin_path("tags", "fifo.so"), 0644), 0);
        ck_assert_int_lt(load(), 0);
        ck_assert_contains(diag.msg, plugin_path("tags", "fifo.so"));
        ck_assert_contains(diag.msg, "is a FIFO, not a regular file");
        ck_assert_int_lt(fcr_plugins_available(dir, NULL, &diag), 0);
        ck_assert_contains(diag.msg, "is a FIFO");
}
END_TEST

/* The availability check tells from the files what loading would, for
 * the file's part, and runs nothing. */
START_TEST(available_without_loading) {
        add("tags", "good_tag", NULL);
        add("tags", "init_fail", NULL);
        add("alloc", "good_alloc", "testalloc.so");
        ck_assert_msg(fcr_plugins_available(dir, "testalloc", &diag) == 0, "%s", diag.msg);
        ck_assert_msg(fcr_plugins_available(dir, NULL, &diag) == 0, "%s", diag.msg);
        ck_assert_int_eq(fcr_plugins_available(dir, "kernel", &diag), -EINVAL);
        ck_assert_contains(diag.msg, "no allocator plugin named 'kernel'");
        ck_assert_contains(diag.msg, "(available: testalloc)");
        ck_assert_str_eq(read_log(), "");
        add("tags", "bad_abi", NULL);
        ck_assert_int_eq(fcr_plugins_available(dir, "testalloc", &diag), -ELIBBAD);
        ck_assert_contains(diag.msg, "ABI version 100");
        ck_assert_str_eq(read_log(), "");
}
END_TEST

START_TEST(available_descriptor_too_small) {
        add("alloc", "small_alloc", NULL);
        ck_assert_int_eq(fcr_plugins_available(dir, NULL, &diag), -ELIBBAD);
        ck_assert_contains(diag.msg, "has a descriptor of");
        ck_assert_contains(diag.msg, plugin_path("alloc", "small_alloc.so"));
}
END_TEST

START_TEST(new_tag_needs_feature) {
        refused_alone("tags", "no_feature", "HEAD feature bit");
}
END_TEST

START_TEST(framing_tag_refused) {
        refused_alone("tags", "framing_tag", "claims tag 8 (TAIL), which is framing");
}
END_TEST

static int collect(void *ud, uint64_t start, uint64_t len) {
        uint64_t *v = ud;

        v[0] = start;
        v[1] = len;
        return 0;
}

START_TEST(add_range_owns_its_format) {
        struct fcr_fs_geometry g = { .block_size = 1024, .inode_size = 256, .blocks_count = 1 << 20,
                                     .inodes_count = 1000 };
        const struct fcr_tag_plugin *t;
        struct fcr_plugins *p = NULL;
        uint8_t v[16] = {};
        uint64_t got[2] = {};

        ck_assert_msg(fcr_plugins_load(UNIT_REAL_PLUGIN_DIR, &p, &diag) == 0, "%s", diag.msg);
        t = fcr_plugins_tag(p, 1);
        v[0] = 12;                      /* ino 12, lblk 0, 32768 + 4 blocks (unwritten) at 0x1000 */
        v[8] = 4;
        v[9] = 0x80;
        v[13] = 0x10;
        ck_assert_int_eq(t->validate(&g, v, 16), 0);
        ck_assert_int_ne(t->validate(&g, v, 15), 0);
        ck_assert_ptr_nonnull(t->claims);
        ck_assert_int_eq(t->claims(&g, v, 16, collect, got), 0);
        ck_assert_uint_eq(got[0], 0x1000);
        ck_assert_uint_eq(got[1], 4);
        ck_assert_int_eq(fcr_plugins_validate(p, &g, 0, 1, v, 16), 1);
        ck_assert_int_eq(fcr_plugins_validate(p, &g, 0, 77, v, 16), -ENOENT);
        fcr_plugins_unref(p);
}
END_TEST

START_TEST(project_plugins_load) {
        /* The plugins the project builds, in their build-tree layout:
         * one for each tag that changes the filesystem, none for the
         * framing (PAD, TAIL, HEAD). */
        static const char *const names[] = {
                NULL, "ADD_RANGE", "DEL_RANGE", "CREAT", "LINK", "UNLINK", "INODE",
        };
        struct fcr_plugins *p = NULL;

        ck_assert_msg(fcr_plugins_load(UNIT_REAL_PLUGIN_DIR, &p, &diag) == 0, "%s", diag.msg);
        for (uint16_t t = 7; t <= 9; t++)
                ck_assert_ptr_null(fcr_plugins_tag(p, t));
        for (uint16_t t = 1; t <= 6; t++) {
                const struct fcr_tag_plugin *tp = fcr_plugins_tag(p, t);

                ck_assert_msg(tp != NULL, "no plugin for tag %u", t);
                ck_assert_str_eq(tp->name, names[t]);
                ck_assert_uint_eq(tp->abi_version, FCR_TAG_ABI_VERSION);
        }
        ck_assert_ptr_nonnull(fcr_plugins_alloc(p, "kernel"));
        ck_assert_ptr_nonnull(fcr_plugins_alloc(p, "goal"));
        fcr_plugins_unref(p);
}
END_TEST

/* --- As root: what someone else could change is refused. */

static uid_t nobody(void) {
        struct passwd *pw = getpwnam("nobody");

        return pw ? pw->pw_uid : 65534;
}

static void copy_file(const char *from, const char *to) {
        char buf[65536];
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        size_t n;

        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
        fclose(in);
        ck_assert_int_eq(fclose(out), 0);
}

/* Issue 23 0.5: a symlink in a directory another user owns is theirs to
 * re-point, whatever it points at now (root's own plugin here). */
START_TEST(symlink_in_user_directory) {
        char sub[4200];

        snprintf(sub, sizeof(sub), "%s/tags", dir);
        add("tags", "good_tag", NULL);
        ck_assert_int_eq(chown(sub, nobody(), -1), 0);
        ck_assert_int_eq(load(), -EPERM);
        ck_assert_contains(diag.msg, "refusing plugin");
        ck_assert_contains(diag.msg, "is owned by uid");
        ck_assert_contains(diag.msg, sub);
        ck_assert_str_eq(read_log(), "");
        ck_assert_int_lt(fcr_plugins_available(dir, NULL, &diag), 0);
        ck_assert_contains(diag.msg, "is owned by uid");
}
END_TEST

/* Issue 23 0.5: every directory up to / counts, not only the file's. */
START_TEST(user_directory_above) {
        char *top, link[4300];

        add("tags", "good_tag", NULL);
        ck_assert_int_eq(chown(dir, nobody(), -1), 0);
        ck_assert_int_eq(load(), -EPERM);
        ck_assert_contains(diag.msg, "is owned by uid");
        ck_assert_contains(diag.msg, dir);
        /* A plugin directory reached through a symlink that a user owns. */
        ck_assert_int_eq(chown(dir, 0, -1), 0);
        top = unit_mkdtemp();
        ck_assert_int_eq(chown(top, nobody(), -1), 0);
        snprintf(link, sizeof(link), "%s/plugins", top);
        ck_assert_int_eq(symlink(dir, link), 0);
        ck_assert_int_eq(fcr_plugins_load(link, &P, &diag), -EPERM);
        ck_assert_contains(diag.msg, top);
        ck_assert_contains(diag.msg, "is owned by uid");
        unit_rmtree(top);
        free(top);
        ck_assert_str_eq(read_log(), "");
}
END_TEST

START_TEST(writable_directory_above) {
        add("tags", "good_tag", NULL);
        ck_assert_int_eq(chmod(dir, 0777), 0);
        ck_assert_int_eq(load(), -EPERM);
        ck_assert_contains(diag.msg, "is group- or world-writable (mode 0777)");
        /* Sticky, as /tmp: only root may rename root's entries in it. */
        ck_assert_int_eq(chmod(dir, 01777), 0);
        ck_assert_msg(load() == 0, "%s", diag.msg);
}
END_TEST

START_TEST(writable_plugin_file) {
        char file[4200];

        /* A copy, not a link: its own mode counts. */
        snprintf(file, sizeof(file), "%s/%s.so", UNIT_PLUGIN_DIR, "good_tag");
        copy_file(file, plugin_path("tags", "good_tag.so"));
        ck_assert_int_eq(chmod(plugin_path("tags", "good_tag.so"), 0664), 0);
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, "is group- or world-writable (mode 0664)");
        ck_assert_int_eq(chmod(plugin_path("tags", "good_tag.so"), 0644), 0);
        ck_assert_int_eq(chown(plugin_path("tags", "good_tag.so"), nobody(), -1), 0);
        ck_assert_int_eq(load(), -ELIBBAD);
        ck_assert_contains(diag.msg, "is owned by uid");
        ck_assert_str_eq(read_log(), "");
}
END_TEST

static void add_root_tests(Suite *s) {
        TCase *tc = tcase_create("as root");

        if (geteuid() != 0) {
                printf("plugins: not root: the ownership tests do not run\n");
                return;
        }
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, symlink_in_user_directory);
        tcase_add_test(tc, user_directory_above);
        tcase_add_test(tc, writable_directory_above);
        tcase_add_test(tc, writable_plugin_file);
        suite_add_tcase(s, tc);
}

static Suite *suite(void) {
        Suite *s = suite_create("plugins");
        TCase *tc = tcase_create("loader");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, good_plugins_load);
        tcase_add_test(tc, empty_dirs_load_nothing);
        tcase_add_test(tc, missing_subdir);
        tcase_add_test(tc, refcounted_unload);
        tcase_add_test(tc, unload_in_reverse_order);
        tcase_add_test(tc, wrong_abi_version);
        tcase_add_test(tc, older_descriptor_loads);
        tcase_add_test(tc, new_tag_needs_feature);
        tcase_add_test(tc, framing_tag_refused);
        tcase_add_test(tc, add_range_owns_its_format);
        tcase_add_test(tc, wrong_alloc_abi_version);
        tcase_add_test(tc, missing_descriptor_symbol);
        tcase_add_test(tc, tag_plugin_in_alloc_dir);
        tcase_add_test(tc, missing_required_function);
        tcase_add_test(tc, missing_alloc_function);
        tcase_add_test(tc, alloc_descriptor_too_small);
        tcase_add_test(tc, init_fails);
        tcase_add_test(tc, two_plugins_one_tag);
        tcase_add_test(tc, two_plugins_one_tag_sorted_order);
        tcase_add_test(tc, allocator_named_otherwise_than_its_file);
        tcase_add_test(tc, allocators_listed);
        tcase_add_test(tc, not_an_elf_file);
        tcase_add_test(tc, dlopen_error_text);
        tcase_add_test(tc, dangling_symlink);
        tcase_add_test(tc, plugin_dir_choice);
        tcase_add_test(tc, project_plugins_load);
        tcase_add_test(tc, newer_descriptor_loads);
        tcase_add_test(tc, non_plugin_constructor_not_run);
        tcase_add_test(tc, fifo_refused);
        tcase_add_test(tc, available_without_loading);
        tcase_add_test(tc, available_descriptor_too_small);
        suite_add_tcase(s, tc);
        add_root_tests(s);
        return s;
}

int main(void) {
        return unit_run(suite());
}
