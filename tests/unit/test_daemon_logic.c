/* fcreplayd's decisions, without root or devices: which devices the
 * configuration wants, the configuration file and the kernel's and the
 * daemon's command lines, and how a job's end becomes a result and a
 * device state. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "daemon_config.h"
#include "job.h"
#include "unit.h"

static char *dir;
static char path[4096], cmdline[4096];
static struct fcr_diag diag;

static void setup(void) {
        dir = unit_mkdtemp();
        snprintf(path, sizeof(path), "%s/fcreplayd.conf", dir);
        snprintf(cmdline, sizeof(cmdline), "%s/cmdline", dir);
        setenv("FCREPLAYD_CMDLINE", cmdline, 1);
        memset(&diag, 0, sizeof(diag));
}

static void teardown(void) {
        unsetenv("FCREPLAYD_CMDLINE");
        unit_rmtree(dir);
        free(dir);
}

static void write_file(const char *p, const char *text) {
        FILE *f = fopen(p, "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

static int load(const char *conf, struct fcrd_config *c) {
        write_file(path, conf);
        return fcrd_config_load(path, c, &diag);
}

START_TEST(wants_include_and_exclude) {
        struct fcrd_config c;

        ck_assert_int_eq(load("", &c), 0);
        /* No lists: every device. */
        ck_assert(fcrd_config_wants(&c, "/dev/sdb1", NULL, NULL));
        fcrd_config_done(&c);
        ck_assert_int_eq(load("watch = /dev/sd* UUID=0A0B-c LABEL=data\nexclude = /dev/sdz* LABEL=scratch\n", &c), 0);
        ck_assert(fcrd_config_wants(&c, "/dev/sdb1", NULL, NULL));
        ck_assert(!fcrd_config_wants(&c, "/dev/vda1", NULL, NULL));
        /* UUIDs without regard to case; labels exactly. */
        ck_assert(fcrd_config_wants(&c, "/dev/vda1", "0a0b-C", NULL));
        ck_assert(fcrd_config_wants(&c, "/dev/vda1", NULL, "data"));
        ck_assert(!fcrd_config_wants(&c, "/dev/vda1", NULL, "Data"));
        /* Exclusion wins. */
        ck_assert(!fcrd_config_wants(&c, "/dev/sdz1", NULL, "data"));
        ck_assert(!fcrd_config_wants(&c, "/dev/sdb1", NULL, "scratch"));
        fcrd_config_done(&c);
        /* include= says what is replayed on its own, not what is looked at. */
        ck_assert_int_eq(load("include = /dev/sd* /dev/vdb1 LABEL=data\n", &c), 0);
        ck_assert(fcrd_config_wants(&c, "/dev/vda1", NULL, NULL));
        ck_assert(fcrd_config_includes(&c, "/dev/sdb1", NULL, NULL, false));
        ck_assert(!fcrd_config_includes(&c, "/dev/vda1", NULL, NULL, false));
        /* Exactly (removable media): a wildcard does not name a device. */
        ck_assert(!fcrd_config_includes(&c, "/dev/sdb1", NULL, NULL, true));
        ck_assert(fcrd_config_includes(&c, "/dev/vdb1", NULL, NULL, true));
        ck_assert(fcrd_config_includes(&c, "/dev/sdc1", NULL, "data", true));
        fcrd_config_done(&c);
}
END_TEST

START_TEST(config_values_and_errors) {
        struct fcrd_config c;

        ck_assert_int_eq(load("", &c), 0);
        ck_assert_int_eq(c.timeout_sec, FCRD_DEFAULT_TIMEOUT_SEC);
        ck_assert_int_eq(fcrd_config_child_limit(&c), FCRD_DEFAULT_TIMEOUT_SEC);
        ck_assert(c.auto_replay);
        fcrd_config_done(&c);
        /* No limit for replays: probes and Inspect keep the default one. */
        ck_assert_int_eq(load("timeout = 0\nparallel = 2\nauto_replay = no\n", &c), 0);
        ck_assert_int_eq(c.timeout_sec, 0);
        ck_assert_int_eq(fcrd_config_child_limit(&c), FCRD_DEFAULT_TIMEOUT_SEC);
        ck_assert_int_eq(c.parallel, 2);
        ck_assert_str_eq(fcrd_config_no_auto_replay(&c), "auto_replay=no in the configuration");
        fcrd_config_done(&c);
        ck_assert_int_eq(load("parallel = 0\n", &c), -EINVAL);
        ck_assert_contains(diag.msg, "parallel must be a whole number from 1 to 64");
        ck_assert_int_eq(load("include = sdb\n", &c), -EINVAL);
        ck_assert_contains(diag.msg, "neither a /dev path glob nor UUID=");
        ck_assert_int_eq(load("exclude = LABEL=\n", &c), -EINVAL);
        ck_assert_contains(diag.msg, "names no label");
        ck_assert_int_eq(load("frobnicate = 1\n", &c), -EINVAL);
        ck_assert_contains(diag.msg, "unknown key 'frobnicate'");
}
END_TEST

START_TEST(kernel_command_line) {
        struct fcrd_config c;

        write_file(cmdline, "ro quiet fcreplay.mode=skip fcreplay.allocator=goal\n");
        ck_assert_int_eq(load("auto_replay = yes\n", &c), 0);
        /* The kernel command line wins, as fsck.mode= does. */
        ck_assert(!c.auto_replay);
        ck_assert_str_eq(fcrd_config_no_auto_replay(&c), "fcreplay.mode=skip on the kernel command line");
        ck_assert_str_eq(fcrd_config_allocator(&c), "goal");
        ck_assert_contains(c.shared.allocator_origin, "fcreplay.allocator=");
        fcrd_config_done(&c);
        write_file(cmdline, "fcreplay.mode=sometimes\n");
        ck_assert_int_eq(load("", &c), -EINVAL);
        ck_assert_contains(diag.msg, "fcreplay.mode must be auto or skip, not 'sometimes'");
        /* No such file: nothing set. */
        unlink(cmdline);
        ck_assert_int_eq(load("", &c), 0);
        ck_assert(c.auto_replay);
        fcrd_config_done(&c);
}
END_TEST

static int parse(struct fcrd_args *a, char *why, size_t len, ...) {
        char *argv[8] = { "fcreplayd" };
        int argc = 1;
        va_list ap;

        va_start(ap, len);
        for (char *s; argc < 7 && (s = va_arg(ap, char *)); )
                argv[argc++] = s;
        va_end(ap);
        return fcrd_args_parse(argc, argv, a, why, len);
}

START_TEST(daemon_command_line) {
        struct fcrd_args a = {};
        char why[128] = "";

        ck_assert_int_eq(parse(&a, why, sizeof(why), NULL), 0);
        ck_assert(!a.config && !a.check_only && !a.verbose && !a.help && !a.version);
        ck_assert_int_eq(parse(&a, why, sizeof(why), "--config", "/x.conf", "-t", "-v", NULL), 0);
        ck_assert_str_eq(a.config, "/x.conf");
        ck_assert(a.check_only && a.verbose);
        ck_assert_int_eq(parse(&a, why, sizeof(why), "-c/y.conf", "--check-config", NULL), 0);
        ck_assert_str_eq(a.config, "/y.conf");
        ck_assert_int_eq(parse(&a, why, sizeof(why), "-V", NULL), 0);
        ck_assert(a.version && !a.check_only);
        ck_assert_int_eq(parse(&a, why, sizeof(why), "--frobnicate", NULL), -EINVAL);
        ck_assert_contains(why, "bad option --frobnicate");
        ck_assert_int_eq(parse(&a, why, sizeof(why), "extra", NULL), -EINVAL);
        ck_assert_contains(why, "unexpected argument 'extra'");
        ck_assert_int_eq(parse(&a, why, sizeof(why), "--config", NULL), -EINVAL);
}
END_TEST

/* A job as its end leaves it, for fcrd_job_outcome(). */
static struct fcrd_job ended(enum fcrd_result worker_said, int status) {
        static struct fcrd_manager m;

        return (struct fcrd_job) { .m = &m, .result = worker_said, .status = status, .finished = true };
}

START_TEST(job_outcomes) {
        struct fcrd_job j;

        /* What the daemon did comes first: stopped, cancelled, timed out. */
        j = ended(FCRD_RESULT_NONE, 9);
        j.stopped = j.cancelled = j.timed_out = true;
        fcrd_job_outcome(&j);
        ck_assert_int_eq(j.result, FCRD_RESULT_STOPPED);
        ck_assert_contains(j.message, "nothing written");
        j = ended(FCRD_RESULT_NONE, 9);
        j.cancelled = j.timed_out = true;
        fcrd_job_outcome(&j);
        ck_assert_int_eq(j.result, FCRD_RESULT_CANCELLED);
        ck_assert_str_eq(fcrd_job_state(&j), "cancelled");
        j = ended(FCRD_RESULT_NONE, 9);
        j.timed_out = true;
        j.m->config.timeout_sec = 7;
        fcrd_job_outcome(&j);
        ck_assert_int_eq(j.result, FCRD_RESULT_TIMEOUT);
        ck_assert_str_eq(j.message, "no replay within 7 s; stopped before writing, nothing written");
        ck_assert_str_eq(fcrd_job_state(&j), "failed");
        /* Then the worker's word; none is a failure, with its signal. */
        j = ended(FCRD_RESULT_REPLAYED, 0);
        snprintf(j.message, sizeof(j.message), "3 transaction(s)");
        fcrd_job_outcome(&j);
        ck_assert_int_eq(j.result, FCRD_RESULT_REPLAYED);
        ck_assert_str_eq(j.message, "3 transaction(s)");
        ck_assert_str_eq(fcrd_job_state(&j), "completed");
        j = ended(FCRD_RESULT_NONE, 9);        /* killed by SIGKILL */
        fcrd_job_outcome(&j);
        ck_assert_int_eq(j.result, FCRD_RESULT_FAILED);
        ck_assert_contains(j.message, "the replay process Killed");
        j = ended(FCRD_RESULT_NONE, 3 << 8);   /* exit 3 */
        fcrd_job_outcome(&j);
        ck_assert_str_eq(j.message, "the replay process ended without a result");
        /* Before its end. */
        j = (struct fcrd_job) {};
        ck_assert_str_eq(fcrd_job_state(&j), "running");
        j.writing = true;
        ck_assert_str_eq(fcrd_job_state(&j), "writing");
}
END_TEST

START_TEST(job_end_states) {
        static const struct {
                enum fcrd_result r;
                enum fcrd_state state;
                bool reprobe;
        } table[] = {
                { FCRD_RESULT_REPLAYED, FCRD_REPLAYED, false },
                { FCRD_RESULT_REFUSED, FCRD_REFUSED, false },
                { FCRD_RESULT_FAILED, FCRD_FAILED, false },
                /* Nothing written: the superblock decides, or else this. */
                { FCRD_RESULT_NOTHING_TO_DO, FCRD_CLEAN, true },
                { FCRD_RESULT_DRY_RUN, FCRD_DIRTY, true },
                { FCRD_RESULT_BUSY, FCRD_DIRTY, true },
                { FCRD_RESULT_CHANGED, FCRD_DIRTY, true },
                { FCRD_RESULT_TIMEOUT, FCRD_DIRTY, true },
                { FCRD_RESULT_CANCELLED, FCRD_DIRTY, true },
                { FCRD_RESULT_STOPPED, FCRD_DIRTY, true },
                /* No job ends so: taken as failed. */
                { FCRD_RESULT_NONE, FCRD_FAILED, false },
                { FCRD_RESULT_SKIPPED, FCRD_FAILED, false },
        };

        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                bool reprobe = !table[i].reprobe;

                ck_assert_int_eq(fcrd_job_end_state(table[i].r, &reprobe), table[i].state);
                ck_assert_int_eq(reprobe, table[i].reprobe);
        }
}
END_TEST

int main(void) {
        Suite *s = suite_create("daemon_logic");
        TCase *tc = tcase_create("decisions");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, wants_include_and_exclude);
        tcase_add_test(tc, config_values_and_errors);
        tcase_add_test(tc, kernel_command_line);
        tcase_add_test(tc, daemon_command_line);
        tcase_add_test(tc, job_outcomes);
        tcase_add_test(tc, job_end_states);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
