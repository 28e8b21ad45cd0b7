/* lib/report.c, lib/inspect.c, lib/inspect_view.c: inspect's view built
 * from an engine on shipped crash images, its JSON and the view read back
 * from it (what fcreplayctl prints), the framing described by the scan and
 * the other tags by their plugins, the three kinds of orphan report, and
 * the replay's report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/report.h>
#include "unit.h"
#include "print_inspect.h"

static char *dir, img[4096];

static void unpack(const char *fixture) {
        char cmd[8192];

        dir = unit_mkdtemp();
        snprintf(img, sizeof(img), "%s/crash.img", dir);
        snprintf(cmd, sizeof(cmd), "gunzip -c '%s/%s/crash.img.gz' > '%s'", UNIT_FIXTURES, fixture, img);
        ck_assert_msg(system(cmd) == 0, "cannot unpack %s", fixture);
}

static void done(void) {
        unit_rmtree(dir);
        free(dir);
}

static struct fcr_engine *planned(bool inspect) {
        struct fcr_engine_opts o = { .device = img, .plugin_dir = UNIT_REAL_PLUGIN_DIR, .read_only = true,
                                     .inspect_only = inspect };
        struct fcr_engine *e = NULL;
        struct fcr_diag d = {};

        ck_assert_msg(fcr_engine_open(&o, &e, &d) == 0, "%s", d.msg);
        ck_assert_msg(fcr_engine_plan(e, &d) == 0, "%s", d.msg);
        return e;
}

static struct json_object *get(struct json_object *o, const char *path) {
        char buf[256], *save = NULL;

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *k = strtok_r(buf, "/", &save); k && o; k = strtok_r(NULL, "/", &save))
                if (!json_object_object_get_ex(o, k, &o))
                        return NULL;
        return o;
}

static const struct fcr_inspect_tag *find_tag(const struct fcr_inspect *v, const char *name) {
        for (size_t i = 0; i < v->fc.nr_tags; i++)
                if (!strcmp(v->fc.tags[i].name, name))
                        return &v->fc.tags[i];
        return NULL;
}

static const struct fcr_inspect_field *field(const struct fcr_inspect_tag *t, const char *key) {
        for (size_t i = 0; i < t->nr_fields; i++)
                if (!strcmp(t->fields[i].key, key))
                        return &t->fields[i];
        return NULL;
}

/* The view of a fast-commit image: the framing described by the scan
 * (HEAD, TAIL), the rest by the plugins, nothing cut. */
static void check_fc_view(const struct fcr_inspect *v) {
        const struct fcr_inspect_tag *head = find_tag(v, "HEAD"), *tail = find_tag(v, "TAIL");
        const struct fcr_inspect_tag *link = find_tag(v, "LINK");

        ck_assert_str_eq(v->state, "replay");
        ck_assert(v->fs.opened && v->fs.has_journal && v->fs.needs_recovery && v->fs.fast_commit);
        ck_assert(v->has_journal);
        ck_assert_uint_gt(v->fc.commits, 0);
        ck_assert_uint_eq(v->fc.nr_tags, v->fc.tags_total);
        ck_assert_ptr_nonnull(head);
        ck_assert_ptr_nonnull(tail);
        ck_assert_ptr_nonnull(link);
        ck_assert_uint_eq(v->fc.tags[0].tag, 9);
        ck_assert_uint_eq(field(head, "tid")->num, v->fc.expected_tid);
        ck_assert_ptr_nonnull(strstr(tail->text, "crc 0x"));
        ck_assert(field(link, "name") && field(link, "name")->type == FCR_FIELD_STR);
        ck_assert_uint_eq(field(link, "name")->str_len, 6);
        ck_assert_ptr_nonnull(strstr(link->text, "name '"));
        for (size_t i = 0; i < v->log.nr_txns; i++) {
                ck_assert_uint_eq(v->log.txns[i].nr_blocks, v->log.txns[i].blocks_total);
                ck_assert_uint_eq(v->log.txns[i].nr_revokes, v->log.txns[i].revokes_total);
        }
}

START_TEST(fc_view_and_its_json) {
        struct fcr_engine *e;
        struct fcr_inspect *v = NULL, *back = NULL;
        struct json_object *j;

        unpack("fc-mixed-2k");
        e = planned(true);
        ck_assert_int_eq(fcr_engine_inspect(e, &v), 0);
        check_fc_view(v);
        j = fcr_inspect_to_json(v);
        ck_assert_int_eq(json_object_get_int64(get(j, "journal/fast_commit/tags_total")), (int64_t) v->fc.tags_total);
        ck_assert_int_eq(json_object_array_length(get(j, "journal/fast_commit/tags")), (int) v->fc.nr_tags);
        /* Read back, as fcreplayctl reads the daemon's report. */
        ck_assert_int_eq(fcr_inspect_from_json(j, &back), 0);
        check_fc_view(back);
        ck_assert_str_eq(back->device, v->device);
        ck_assert_uint_eq(back->jsb.sequence, v->jsb.sequence);
        ck_assert_uint_eq(back->jsb.nr_features, v->jsb.nr_features);
        ck_assert_uint_eq(back->log.nr_txns, v->log.nr_txns);
        for (size_t i = 0; i < v->fc.nr_tags; i++) {
                ck_assert_str_eq(back->fc.tags[i].text, v->fc.tags[i].text);
                ck_assert_uint_eq(back->fc.tags[i].nr_fields, v->fc.tags[i].nr_fields);
        }
        json_object_put(j);
        fcr_inspect_free(back);
        fcr_inspect_free(v);
        /* The JSON report is the view's. */
        j = fcr_report_inspect(e);
        ck_assert_ptr_nonnull(get(j, "journal/log/transactions"));
        ck_assert_str_eq(json_object_get_string(get(j, "state")), "replay");
        json_object_put(j);
        fcr_engine_free(e);
        done();
}
END_TEST

/* A tag's text carries file names from the log: printed for a terminal,
 * none of its bytes may forge a line or drive the terminal. */
START_TEST(tag_text_printed_escaped) {
        struct fcr_engine *e;
        struct fcr_inspect *v = NULL;
        char *out = NULL;
        size_t len = 0;
        FILE *f;

        unpack("fc-mixed-2k");
        e = planned(true);
        ck_assert_int_eq(fcr_engine_inspect(e, &v), 0);
        ck_assert_uint_gt(v->fc.nr_tags, 0);
        free(v->fc.tags[0].text);
        v->fc.tags[0].text = strdup("name \x1b]0;title\x07\nFORGED row");
        f = open_memstream(&out, &len);
        ck_assert_ptr_nonnull(f);
        print_inspect(f, v);
        fclose(f);
        ck_assert_ptr_null(memchr(out, 0x1b, len));
        ck_assert_ptr_null(strstr(out, "\nFORGED"));
        ck_assert_ptr_nonnull(strstr(out, "name \\x1b]0;title\\x07\\x0aFORGED row"));
        free(out);
        fcr_inspect_free(v);
        fcr_engine_free(e);
        done();
}
END_TEST

START_TEST(revokes_listed_from_the_log) {
        struct fcr_engine *e;
        struct fcr_inspect *v = NULL;
        size_t listed = 0, total = 0;

        unpack("jbd2-4k-revoke");
        e = planned(true);
        ck_assert_int_eq(fcr_engine_inspect(e, &v), 0);
        for (size_t i = 0; i < v->log.nr_txns; i++) {
                listed += v->log.txns[i].nr_revokes;
                total += v->log.txns[i].revokes_total;
        }
        ck_assert_uint_gt(total, 0);
        ck_assert_uint_eq(listed, total);
        fcr_inspect_free(v);
        fcr_engine_free(e);
        done();
}
END_TEST

/* Orphans on disk and after the journal: the two inspect reports of
 * orphans, one builder. */
START_TEST(orphans_in_the_view) {
        struct fcr_engine *e;
        struct fcr_inspect *v = NULL;
        struct json_object *j;

        unpack("orphan-list-1k");
        e = planned(true);
        ck_assert_int_eq(fcr_engine_inspect(e, &v), 0);
        ck_assert(v->has_disk_orphans || v->has_planned_orphans);
        j = fcr_inspect_to_json(v);
        if (v->has_disk_orphans) {
                ck_assert_int_eq(v->disk_orphans.kind, FCR_ORPHANS_ON_DISK);
                ck_assert_ptr_nonnull(get(j, "orphans/inodes"));
                ck_assert(json_object_object_get_ex(get(j, "orphans"), "orphan_file_damage", NULL));
                ck_assert(!json_object_object_get_ex(get(j, "orphans"), "would_release", NULL));
        }
        if (v->has_planned_orphans) {
                ck_assert_int_eq(v->planned_orphans.kind, FCR_ORPHANS_PLANNED);
                ck_assert_ptr_nonnull(get(j, "orphans_after_replay/would_release"));
        }
        json_object_put(j);
        fcr_inspect_free(v);
        fcr_engine_free(e);
        done();
}
END_TEST

START_TEST(orphan_report_kinds) {
        struct fcr_inspect_orphan one = { .ino = 12, .links = 0, .size = 4096, .action = "delete",
                                          .blocks_freed = 3 };
        struct fcr_inspect_orphans o = { .kind = FCR_ORPHANS_RELEASED, .list_head = 12, .released = true,
                                         .v = &one, .n = 1 };
        struct json_object *j = fcr_orphans_to_json(&o);

        ck_assert(json_object_get_boolean(get(j, "released")));
        ck_assert_int_eq(json_object_get_int64(get(json_object_array_get_idx(get(j, "inodes"), 0), "blocks_freed")), 3);
        ck_assert(json_object_object_get_ex(j, "left_alone_because", NULL));
        ck_assert_ptr_null(get(j, "left_alone_because"));
        json_object_put(j);
        o.kind = FCR_ORPHANS_ON_DISK;
        j = fcr_orphans_to_json(&o);
        ck_assert(!json_object_object_get_ex(j, "released", NULL));
        ck_assert_ptr_null(get(json_object_array_get_idx(get(j, "inodes"), 0), "blocks_freed"));
        json_object_put(j);
}
END_TEST

START_TEST(replay_report) {
        struct fcr_engine *e;
        struct json_object *j;

        unpack("fc-plain");
        e = planned(false);
        j = fcr_report_replay(e);
        ck_assert_str_eq(json_object_get_string(get(j, "state")), "replay");
        ck_assert(!json_object_get_boolean(get(j, "written")));
        ck_assert_int_gt(json_object_get_int64(get(j, "fast_commit/tags")), 0);
        /* The framing is not replayed: not among the tags by kind. */
        ck_assert_ptr_null(get(j, "fast_commit/tags_by_kind/HEAD"));
        ck_assert_ptr_null(get(j, "fast_commit/tags_by_kind/TAIL"));
        ck_assert_ptr_nonnull(get(j, "fast_commit/tags_by_kind/INODE"));
        json_object_put(j);
        fcr_engine_free(e);
        done();
}
END_TEST

START_TEST(not_a_report) {
        struct json_object *j = json_tokener_parse("{\"exit_code\": 2, \"error\": \"refused\"}");
        struct fcr_inspect *v = NULL;

        ck_assert_int_eq(fcr_inspect_from_json(j, &v), -EBADMSG);
        ck_assert_ptr_null(v);
        json_object_put(j);
        j = json_tokener_parse("[1, 2]");
        ck_assert_int_eq(fcr_inspect_from_json(j, &v), -EBADMSG);
        json_object_put(j);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("report");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, fc_view_and_its_json);
        tcase_add_test(tc, tag_text_printed_escaped);
        tcase_add_test(tc, revokes_listed_from_the_log);
        tcase_add_test(tc, orphans_in_the_view);
        tcase_add_test(tc, orphan_report_kinds);
        tcase_add_test(tc, replay_report);
        tcase_add_test(tc, not_a_report);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(suite());
}
