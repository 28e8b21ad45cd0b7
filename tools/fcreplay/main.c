/* fcreplay: replay an ext4 journal offline, before mount. */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysmacros.h>
#include <fcreplay/escape.h>
#include <fcreplay/conf_file.h>
#include <fcreplay/engine.h>
#include <fcreplay/exit_codes.h>
#include <fcreplay/limits.h>
#include <fcreplay/report.h>
#include <fcreplay/util.h>
#include "json_error.h"
#include "print.h"
#include "print_inspect.h"
#include "progress.h"

struct args {
        const char *command;
        const char *device;
        const char *journal_dev;
        const char *plugin_dir;
        const char *allocator;
        struct fcr_expect expect;       /* --expect-*: the device probed */
        bool dry_run, json, quiet, verbose;
        uint64_t start_usec;            /* CLOCK_MONOTONIC at start */
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: fcreplay [OPTIONS] replay DEVICE|IMAGE\n"
                "       fcreplay [OPTIONS] inspect DEVICE|IMAGE\n"
                "\n"
                "Replay the ext4 journal of an unmounted device or image: full jbd2\n"
                "transactions, then fast commits, validated end to end before anything\n"
                "is written.  Settings: $FCREPLAY_CONFIG or " SYSCONFDIR "/fcreplay/fcreplay.conf.\n"
                "\n"
                "Commands:\n"
                "  replay             validate the journal, then replay it\n"
                "  inspect            show the journal superblock, every transaction and\n"
                "                     the fast-commit area; writes nothing\n"
                "\n"
                "Options:\n"
                "  -n, --dry-run      replay: print the plan, write nothing\n"
                "  -j, --json         print JSON instead of text\n"
                "  -J, --journal-dev PATH\n"
                "                     external journal device or image (default: found\n"
                "                     by the filesystem's journal UUID)\n"
                "  -a, --allocator NAME\n"
                "                     block allocation policy for fast-commit replay:\n"
                "                     an allocator plugin's name (default: kernel)\n"
                "  -P, --plugin-dir DIR\n"
                "                     where tags/*.so and alloc/*.so are (default:\n"
                "                     plugin_dir in the config, $FCREPLAY_PLUGIN_DIR, or\n"
                "                     the built-in directory)\n"
                "      --expect-uuid UUID\n"
                "      --expect-devno MAJ:MIN\n"
                "      --expect-diskseq N\n"
                "                     the device as a probe found it: its filesystem's\n"
                "                     UUID, its device number, its disk's sequence number;\n"
                "                     another is refused (exit 3), nothing written\n"
                "  -q, --quiet        print errors only\n"
                "  -v, --verbose      print each step on stderr as it ends, with the time\n"
                "                     since start\n"
                "  -h, --help         show this help\n"
                "  -V, --version      show the version\n"
                "\n"
                "Exit status: 0 clean now (replayed, or nothing to do); 2 refused: invalid\n"
                "or unsupported journal, nothing written; 3 operational error; 64 usage.\n"
                "Not fsck's codes: 2 is like fsck's 4 (run e2fsck), 3 like its 8; see fcreplay(8).\n");
}

enum { OPT_EXPECT_UUID = 256, OPT_EXPECT_DEVNO, OPT_EXPECT_DISKSEQ };

/* "8-4-4-4-12" hexadecimal digits, as blkid prints a UUID. */
static bool is_uuid(const char *s) {
        for (int i = 0; i < 36; i++)
                if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char) s[i]))
                        return false;
        return s[36] == '\0';
}

static int parse_expect(int opt, const char *arg, struct fcr_expect *x, char *why, size_t len) {
        unsigned maj, min;
        int n = 0;

        switch (opt) {
        case OPT_EXPECT_UUID:
                x->uuid = arg;
                if (is_uuid(arg))
                        return 0;
                snprintf(why, len, "--expect-uuid %s: not a UUID", arg);
                return -EINVAL;
        case OPT_EXPECT_DEVNO:
                if (sscanf(arg, "%u:%u%n", &maj, &min, &n) == 2 && arg[n] == '\0' && (maj || min)) {
                        x->devnum = makedev(maj, min);
                        return 0;
                }
                snprintf(why, len, "--expect-devno %s: not MAJOR:MINOR", arg);
                return -EINVAL;
        default:
                if (isdigit((unsigned char) arg[0]) && sscanf(arg, "%" SCNu64 "%n", &x->diskseq, &n) == 1 &&
                    arg[n] == '\0' && x->diskseq > 0)
                        return 0;
                snprintf(why, len, "--expect-diskseq %s: not a disk sequence number", arg);
                return -EINVAL;
        }
}

/* A usage error: its reason in why (getopt's own is on stderr too). */
static int parse_args(int argc, char **argv, struct args *a, char *why, size_t len) {
        static const struct option opts[] = {
                { "dry-run", no_argument, NULL, 'n' },
                { "json", no_argument, NULL, 'j' },
                { "journal-dev", required_argument, NULL, 'J' },
                { "allocator", required_argument, NULL, 'a' },
                { "plugin-dir", required_argument, NULL, 'P' },
                { "expect-uuid", required_argument, NULL, OPT_EXPECT_UUID },
                { "expect-devno", required_argument, NULL, OPT_EXPECT_DEVNO },
                { "expect-diskseq", required_argument, NULL, OPT_EXPECT_DISKSEQ },
                { "quiet", no_argument, NULL, 'q' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "njJ:a:P:qvhV", opts, NULL)) != -1)
                switch (c) {
                case 'n': a->dry_run = true; break;
                case 'j': a->json = true; break;
                case 'J': a->journal_dev = optarg; break;
                case 'a': a->allocator = optarg; break;
                case 'P': a->plugin_dir = optarg; break;
                case 'q': a->quiet = true; break;
                case 'v': a->verbose = true; break;
                case 'h': usage(stdout); exit(FCR_EXIT_CLEAN);
                case 'V': printf("fcreplay %s\n", PACKAGE_VERSION); exit(FCR_EXIT_CLEAN);
                case OPT_EXPECT_UUID:
                case OPT_EXPECT_DEVNO:
                case OPT_EXPECT_DISKSEQ:
                        if (parse_expect(c, optarg, &a->expect, why, len) < 0)
                                return -EINVAL;
                        break;
                default:
                        snprintf(why, len, "bad option %s", argv[optind - 1]);
                        return -EINVAL;
                }
        if (argc - optind != 2) {
                snprintf(why, len, "expected a command and one device or image");
                return -EINVAL;
        }
        a->command = argv[optind];
        a->device = argv[optind + 1];
        if (strcmp(a->command, "replay") != 0 && strcmp(a->command, "inspect") != 0) {
                snprintf(why, len, "unknown command '%s'", a->command);
                return -EINVAL;
        }
        if (a->dry_run && strcmp(a->command, "replay") != 0) {
                snprintf(why, len, "--dry-run goes with replay");
                return -EINVAL;
        }
        return 0;
}

static void progress(uint64_t done, uint64_t total, void *userdata) {
        progress_show(userdata, "writing", done, total);
}

/* Planning has no count; writing shows its first count at once. */
static void phase(enum fcr_phase p, void *userdata) {
        if (p == FCR_PHASE_PLANNING)
                progress_show(userdata, fcr_phase_str(p), 0, 0);
        else
                progress_end(userdata);
}

/* --verbose: one line per step, on stderr (stdout is the report). */
static void __attribute__((format(printf, 2, 3))) step(const struct args *a, const char *fmt, ...) {
        va_list ap;

        if (!a->verbose)
                return;
        fprintf(stderr, "fcreplay: %s: [%.3f s] ", a->device, (fcr_now_usec(CLOCK_MONOTONIC) - a->start_usec) / 1e6);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void print_json(struct json_object *o) {
        /* File names from the log are bytes: JSON wants UTF-8 (escape.h). */
        (void) fcr_json_make_valid(o);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}

/* With --json, errors are JSON too: one object on stdout. */
static void print_json_error(const struct args *a, int code, const char *why, bool written) {
        print_json(json_error_new(a->device, code, NULL, why, written));
}

/* Usage and configuration errors: exit 64, on stderr and, with --json
 * (read before the error), as the error object on stdout. */
static int fail_usage(const struct args *a, const char *why, bool show_usage) {
        if (a->json)
                print_json_error(a, FCR_EXIT_USAGE, why, false);
        fprintf(stderr, "fcreplay: %s\n", why);
        if (show_usage)
                usage(stderr);
        return FCR_EXIT_USAGE;
}

/* written: whether writing has begun (fcr_engine_wrote()). */
static int fail_written(const struct args *a, int r, const struct fcr_diag *d, bool written) {
        int code = fcr_exit_code(r, written);
        const char *why = d->msg[0] ? d->msg : strerror(-r);
        /* Name the device once: some reasons name it already. */
        const char *dev = strstr(why, a->device) ? "" : a->device, *sep = *dev ? ": " : "";

        if (a->json)
                print_json_error(a, code, why, written);

        if (code == FCR_EXIT_REFUSED)
                fprintf(stderr, "fcreplay: %s%srefused: %s; nothing written\n", dev, sep, why);
        else
                fprintf(stderr, "fcreplay: %s%s%s\n", dev, sep, why);
        return code;
}

static int fail(const struct args *a, int r, const struct fcr_diag *d, const struct fcr_engine *e) {
        return fail_written(a, r, d, fcr_engine_wrote(e));
}

/* Both forms of the report read one view of the engine, which goes
 * first: the view holds all they print, and the JSON then has the room
 * the engine's data had under the memory ceiling. */
static int print_report(const struct args *a, struct fcr_engine **e) {
        _cleanup_(fcr_inspect_freep) struct fcr_inspect *v = NULL;
        struct fcr_diag d = {};
        int r = fcr_engine_inspect(*e, &v);

        if (r < 0 && fcr_memory_refusal(r, &d) == r)
                fcr_fail(&d, r, "cannot build the report: %s", strerror(-r));
        if (r < 0)
                return fail(a, d.err, &d, *e);
        fcr_engine_free(*e);
        *e = NULL;
        if (a->json)
                print_json(fcr_inspect_to_json(v));
        else
                print_inspect(stdout, v);
        return FCR_EXIT_CLEAN;
}

int main(int argc, char **argv) {
        struct args a = {};
        struct fcr_diag d = {};
        _cleanup_(fcr_tool_config_done) struct fcr_tool_config cfg = {};
        _cleanup_engine_ struct fcr_engine *e = NULL;
        const struct fcr_result *res;
        uint64_t elapsed;
        bool inspect;
        int r;

        char why[sizeof(d.msg) + PATH_MAX];

        if (parse_args(argc, argv, &a, why, sizeof(why)) < 0)
                return fail_usage(&a, why, true);
        /* The engine's memory ceiling, before anything reads the device. */
        r = fcr_memory_limit();
        if (r < 0)
                return fail_written(&a, fcr_fail(&d, r, "cannot set the memory limit: %s", strerror(-r)), &d, false);
        a.start_usec = fcr_now_usec(CLOCK_MONOTONIC);
        inspect = strcmp(a.command, "inspect") == 0;
        r = fcr_tool_config_load(fcr_tool_config_path(), &cfg, &d);
        if (r < 0)
                return fail_usage(&a, d.msg, false);

        char prefix[PATH_MAX + 3];
        snprintf(prefix, sizeof(prefix), "%s: ", a.device);
        /* On a terminal a bar; with -v, lines, as the steps are. */
        struct progress pr = { .f = stderr, .prefix = prefix, .tty = isatty(STDERR_FILENO) };
        bool show_progress = !inspect && !a.quiet && !a.json && (pr.tty || a.verbose);
        struct fcr_engine_opts o = {
                .device = a.device,
                .journal_dev = a.journal_dev,
                .plugin_dir = fcr_tool_config_plugin_dir(&cfg, a.plugin_dir),
                .allocator = a.allocator ? a.allocator : cfg.allocator,
                .inspect_only = inspect,
                .read_only = inspect || a.dry_run,
                .phase = show_progress ? phase : NULL,
                .progress = show_progress ? progress : NULL,
                .userdata = &pr,
                .expect = a.expect,
        };
        /* The allocator must exist: named by --allocator, that is a usage
         * error; by the configuration, a configuration error with its
         * file and line.  Both exit 64 and list the allocators there. */
        if (o.allocator && fcr_allocators_check(fcr_plugin_dir(o.plugin_dir), o.allocator, &d) == -EINVAL) {
                if (a.allocator)
                        snprintf(why, sizeof(why), "--allocator %s: %s", a.allocator, d.msg);
                else
                        snprintf(why, sizeof(why), "%s: %s", cfg.allocator_origin, d.msg);
                return fail_usage(&a, why, false);
        }
        d = (struct fcr_diag) {};
        r = fcr_engine_open(&o, &e, &d);
        if (r < 0)
                return fail(&a, r, &d, e);
        step(&a, "opened %s", inspect || a.dry_run ? "read-only" : "read-write, exclusively and locked");

        if (inspect) {
                /* The same validation as replay: what replay refuses,
                 * inspect refuses, before printing anything. */
                r = fcr_engine_plan(e, &d);
                if (r < 0)
                        return fail(&a, r, &d, e);
                step(&a, "validated: %s", fcr_state_str(fcr_engine_result(e)->state));
                return print_report(&a, &e);
        }

        r = fcr_engine_plan(e, &d);
        progress_end(&pr);
        if (r < 0)
                return fail(&a, r, &d, e);
        res = fcr_engine_result(e);
        step(&a, "validated and planned: %s, %zu transaction(s), %zu fast commit(s), allocator %s",
             fcr_state_str(res->state), res->transactions, res->fc_commits, res->allocator ? res->allocator : "none");
        if (!a.dry_run) {
                r = fcr_engine_apply(e, &d);
                progress_end(&pr);
                if (r < 0)
                        return fail(&a, r, &d, e);
                step(&a, "%s", fcr_engine_result(e)->written ? "written and flushed" : "nothing to write");
        }
        elapsed = fcr_now_usec(CLOCK_MONOTONIC) - a.start_usec;
        if (a.json) {
                struct json_object *report = fcr_report_replay(e);

                json_object_object_add(report, "elapsed_usec", json_object_new_int64(elapsed));
                print_json(report);
        } else if (!a.quiet) {
                print_replay(stdout, e, a.dry_run);
                printf("  elapsed: %.3f s\n", elapsed / 1e6);
        }
        return FCR_EXIT_CLEAN;
}
