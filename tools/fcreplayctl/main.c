/* fcreplayctl: ask fcreplayd, over D-Bus (org.fcreplay1), what it did,
 * and have it replay a device or change the allocation policy. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include <fcreplay/escape.h>
#include <fcreplay/exit_codes.h>
#include "fcreplay1.h"
#include "json_error.h"
#include "print_inspect.h"
#include "progress.h"
#include "result.h"
#include <fcreplay/util.h>

#define DEST FCR_BUS_NAME
#define ROOT FCR_BUS_ROOT
#define MANAGER FCR_BUS_MANAGER
#define DEVICE FCR_BUS_DEVICE
#define JOB FCR_BUS_JOB

struct opts {
        const char *allocator;
        bool dry_run, force, no_wait, json;
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: fcreplayctl [--json] COMMAND [ARGS]\n"
                "\n"
                "Talk to fcreplayd over D-Bus (org.fcreplay1 on the system bus).\n"
                "\n"
                "Commands:\n"
                "  status                     the daemon, its allocator and its devices\n"
                "  list                       the devices fcreplayd knows\n"
                "  replay DEVICE              replay DEVICE now (root only); waits, with progress\n"
                "      -a, --allocator NAME   allocation policy for this replay\n"
                "      -n, --dry-run          plan and report only\n"
                "      -f, --force            replay even if the device does not ask for recovery\n"
                "      --no-wait              print the job and return at once\n"
                "  info DEVICE                everything fcreplayd knows of one device\n"
                "  cancel JOB                 cancel a replay (a job path or number) that has\n"
                "                             not begun writing (root only)\n"
                "  monitor                    print fcreplayd's signals as they come (devices'\n"
                "                             and jobs' changes, jobs' ends) until interrupted\n"
                "  inspect DEVICE             the decoded journal (root only), as fcreplay inspect\n"
                "  set-allocator NAME         the default policy for later replays (root only)\n"
                "  list-allocators            the allocator plugins installed\n"
                "\n"
                "  -j, --json                 print JSON\n"
                "  -h, --help, -V, --version\n"
                "\n"
                "Exit status as fcreplay's: 0 clean now (replayed, or nothing to do); 2 refused:\n"
                "invalid journal, nothing written; 3 operational error (daemon not reachable,\n"
                "permission denied, busy, failed); 64 usage.  See fcreplayctl(8).\n");
}

static bool json_output;         /* --json: errors are JSON on stdout too */
static const char *json_device;  /* the device the command names, for the error object */

static void print_json(struct json_object *o);

/* A D-Bus error (e may be NULL, then r says why) to our exit codes, with
 * one line on stderr, "fcreplayctl: WHAT: WHY" (and, with --json, the
 * error object on stdout).  NotDirty is no error: "nothing to do", exit
 * 0, its message on stdout. */
static int fail_bus(const sd_bus_error *e, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_bus(const sd_bus_error *e, int r, const char *fmt, ...) {
        char what[512];
        va_list ap;
        bool not_dirty = e && e->name && !strcmp(e->name, FCR_BUS_ERROR("NotDirty"));
        enum fcrd_result res = not_dirty ? FCRD_RESULT_NOTHING_TO_DO
                : e && e->name && !strcmp(e->name, FCR_BUS_ERROR("Refused")) ? FCRD_RESULT_REFUSED
                : FCRD_RESULT_FAILED;
        int code = fcrd_result_exit_code(res);
        const char *why = e && e->message ? e->message : strerror(-r);
        /* The daemon's message may name a label: text form on a terminal. */
        _cleanup_free_ char *shown = fcr_escape_text(why, strlen(why));

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (json_output) {
                struct json_object *o = json_error_new(json_device, code, fcrd_result_to_string(res), why, false);

                if (e && e->name)
                        json_object_object_add(o, "error_name", json_object_new_string(e->name));
                print_json(o);
        } else if (not_dirty)
                printf("%s\n", shown ? shown : "?");
        if (!not_dirty)
                fprintf(stderr, "fcreplayctl: %s: %s\n", what, shown ? shown : "?");
        return code;
}

/* A bad command line: exit 64, and the error object with --json when it
 * was read before the mistake. */
static int fail_usage(const char *why) {
        if (json_output)
                print_json(json_error_new(NULL, FCR_EXIT_USAGE, NULL, why, false));
        fprintf(stderr, "fcreplayctl: %s\n", why);
        return FCR_EXIT_USAGE;
}

static char *get_string(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        char *s = NULL;

        if (sd_bus_get_property_string(bus, DEST, path, iface, prop, NULL, &s) < 0)
                return strdup("?");
        return s;
}

/* An object-path property; "/" for none or on error. */
static char *get_object(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *v = "/";

        if (sd_bus_get_property(bus, DEST, path, iface, prop, NULL, &reply, "o") < 0 ||
            sd_bus_message_read(reply, "o", &v) < 0)
                v = "/";
        return strdup(v);
}

/* The label: its exact bytes (LabelBytes), which the text output shows
 * escaped byte for byte and --json as valid UTF-8; Label from a daemon
 * without LabelBytes. */
static struct json_object *get_label(sd_bus *bus, const char *path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *label = NULL;
        const void *bytes;
        size_t n;

        if (sd_bus_get_property(bus, DEST, path, DEVICE, "LabelBytes", NULL, &reply, "ay") >= 0 &&
            sd_bus_message_read_array(reply, 'y', &bytes, &n) >= 0)
                return json_object_new_string_len(bytes, (int) n);
        label = get_string(bus, path, DEVICE, "Label");
        return json_object_new_string(label);
}

static uint64_t get_u64(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        uint64_t v = 0;

        sd_bus_get_property_trivial(bus, DEST, path, iface, prop, NULL, 't', &v);
        return v;
}

static bool get_bool(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        int v = 0;

        sd_bus_get_property_trivial(bus, DEST, path, iface, prop, NULL, 'b', &v);
        return v;
}

static void print_json(struct json_object *o) {
        /* The label's bytes, as the daemon's Label (escape.h). */
        (void) fcr_json_make_valid(o);
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        json_object_put(o);
}

/* One device's properties as JSON, keys in snake_case as everywhere in
 * fcreplay's JSON. */
static struct json_object *device_json(sd_bus *bus, const char *path, const char *node, const char *state) {
        static const char *const props[][2] = { { "UUID", "uuid" }, { "LastResult", "last_result" },
                                                { "LastMessage", "last_message" } };
        struct json_object *o = json_object_new_object();
        _cleanup_free_ char *job = get_object(bus, path, DEVICE, "Job");

        json_object_object_add(o, "object", json_object_new_string(path));
        json_object_object_add(o, "device", json_object_new_string(node));
        json_object_object_add(o, "state", json_object_new_string(state));
        json_object_object_add(o, "label", get_label(bus, path));
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                _cleanup_free_ char *s = get_string(bus, path, DEVICE, props[i][0]);

                json_object_object_add(o, props[i][1], json_object_new_string(s));
        }
        /* "": no replay running ("/" on the bus). */
        json_object_object_add(o, "job", json_object_new_string(job && strcmp(job, "/") ? job : ""));
        json_object_object_add(o, "tags_replayed", json_object_new_int64(get_u64(bus, path, DEVICE, "TagsReplayed")));
        json_object_object_add(o, "time_taken_usec", json_object_new_int64(get_u64(bus, path, DEVICE, "TimeTaken")));
        return o;
}

/* The devices as JSON: one object each with the Device properties. */
static int devices(sd_bus *bus, struct json_object **ret, sd_bus_error *err) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct json_object *arr = json_object_new_array();
        const char *path, *node, *state;
        int r;

        r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "ListDevices", err, &reply, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(oss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(oss)", &path, &node, &state)) > 0)
                json_object_array_add(arr, device_json(bus, path, node, state));
        if (r < 0) {
                json_object_put(arr);
                return r;
        }
        *ret = arr;
        return 0;
}

/* One value: {"key": value} with --json, else "LABELvalue". */
static void print_value(const struct opts *o, const char *key, const char *value, const char *label) {
        if (o->json) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, key, json_object_new_string(value));
                print_json(j);
        } else
                printf("%s%s\n", label, value);
}

static const char *field(struct json_object *o, const char *key) {
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* A last result that is not a success: the admin wants to know why. */
static bool needs_reason(const char *last_result) {
        enum fcrd_result r;

        return *last_result && (fcrd_result_from_string(last_result, &r) < 0 || !fcrd_result_is_success(r));
}

static void print_devices(struct json_object *arr) {
        printf("%-20s %-10s %-14s %6s %10s  %s\n", "DEVICE", "STATE", "LAST RESULT", "TAGS", "TIME", "LABEL");
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                struct json_object *o = json_object_array_get_idx(arr, i), *v;

                printf("%-20s %-10s %-14s %6s %8.3f s  %s\n", field(o, "device"), field(o, "state"),
                       *field(o, "last_result") ? field(o, "last_result") : "-", field(o, "tags_replayed"),
                       json_object_object_get_ex(o, "time_taken_usec", &v) ? json_object_get_int64(v) / 1e6 : 0.0,
                       field(o, "label"));
                if (needs_reason(field(o, "last_result")))
                        printf("  %s: %s\n", field(o, "last_result"), field(o, "last_message"));
        }
}

static int cmd_status(sd_bus *bus, const struct opts *o, bool with_daemon) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        struct json_object *arr;
        int r = devices(bus, &arr, &err);

        /* Labels and messages are the disk's: text form for a terminal. */
        if (r >= 0 && !o->json && (r = fcr_json_escape_text(arr)) < 0)
                json_object_put(arr);
        if (r < 0)
                return fail_bus(&err, r, "cannot list the devices of fcreplayd");
        if (with_daemon) {
                _cleanup_free_ char *ver = get_string(bus, ROOT, MANAGER, "Version");
                _cleanup_free_ char *st = get_string(bus, ROOT, MANAGER, "State");
                _cleanup_free_ char *al = get_string(bus, ROOT, MANAGER, "Allocator");

                if (o->json) {
                        struct json_object *s = json_object_new_object();

                        json_object_object_add(s, "version", json_object_new_string(ver));
                        json_object_object_add(s, "state", json_object_new_string(st));
                        json_object_object_add(s, "allocator", json_object_new_string(al));
                        json_object_object_add(s, "devices", arr);
                        print_json(s);
                } else {
                        printf("fcreplayd %s: %s, allocator %s\n\n", ver, st, al);
                        print_devices(arr);
                        json_object_put(arr);
                }
        } else if (o->json)
                print_json(arr);
        else {
                print_devices(arr);
                json_object_put(arr);
        }
        return FCR_EXIT_CLEAN;
}

struct wait_state {
        const char *job;
        bool done, success;
        enum fcrd_result result;
        struct progress progress;
        char message[700];
};

/* How the job ended: its typed result (failed if the name is unknown). */
static void ended(struct wait_state *w, bool success, const char *result, const char *message) {
        w->done = true;
        w->success = success;
        if (fcrd_result_from_string(result, &w->result) < 0)
                w->result = FCRD_RESULT_FAILED;
        snprintf(w->message, sizeof(w->message), "%s", message);
}

/* The job's phase and, while writing, its blocks: the daemon's one model. */
static void show_progress(sd_bus *bus, struct wait_state *w, const struct opts *o) {
        _cleanup_free_ char *phase = NULL;

        if (o->json)
                return;         /* JSON output is the result alone. */
        phase = get_string(bus, w->job, JOB, "Phase");
        if (!strcmp(phase, "planning") || !strcmp(phase, "writing"))
                progress_show(&w->progress, phase, get_u64(bus, w->job, JOB, "BlocksDone"),
                              get_u64(bus, w->job, JOB, "BlocksTotal"));
}

static int on_job_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct wait_state *w = userdata;
        const char *res, *msg;
        int ok;

        if (sd_bus_message_is_signal(m, JOB, "Completed") && sd_bus_message_read(m, "bss", &ok, &res, &msg) >= 0)
                ended(w, ok, res, msg);
        return 0;
}

/* Ask for the replay: the job's path, copied out of the reply.  Any
 * other answer is dealt with here, and its exit code returned with
 * *ret_job untouched: an error, or NotDirty (exit 0, nothing to do). */
static int start_replay(sd_bus *bus, const char *dev, const struct opts *o, char **ret_job) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        const char *job;
        char *copy;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, DEST, ROOT, MANAGER, "ReplayDevice");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", dev);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && o->allocator)
                r = sd_bus_message_append(call, "{sv}", "allocator", "s", o->allocator);
        if (r >= 0)
                r = sd_bus_message_append(call, "{sv}", "dry-run", "b", o->dry_run);
        if (r >= 0)
                r = sd_bus_message_append(call, "{sv}", "force", "b", o->force);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &err, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return fail_bus(&err, r, "cannot replay %s", dev);
        copy = strdup(job);
        if (!copy)
                return fail_bus(NULL, -ENOMEM, "cannot replay %s", dev);
        *ret_job = copy;
        return FCR_EXIT_CLEAN;
}

/* A job that ended before the match was in place sends no signal: its
 * state, result and message say how it ended. */
static void check_ended(sd_bus *bus, struct wait_state *w) {
        _cleanup_free_ char *state = get_string(bus, w->job, JOB, "State");
        _cleanup_free_ char *res = NULL, *msg = NULL;

        if (!strcmp(state, "running") || !strcmp(state, "writing"))
                return;
        res = get_string(bus, w->job, JOB, "Result");
        msg = get_string(bus, w->job, JOB, "Message");
        ended(w, !strcmp(state, "completed"), res, msg);
}

static int wait_for_job(sd_bus *bus, struct wait_state *w, const struct opts *o) {
        char match[256];
        int r;

        /* Subscribe, then look: a job that ended in between is seen too. */
        snprintf(match, sizeof(match), "type='signal',sender='" DEST "',path='%s'", w->job);
        r = sd_bus_add_match(bus, NULL, match, on_job_signal, w);
        if (r < 0)
                return fail_bus(NULL, r, "cannot watch the job");
        check_ended(bus, w);
        while (!w->done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (r > 0)
                        continue;
                show_progress(bus, w, o);
                r = sd_bus_wait(bus, 200000);
                if (r < 0)
                        break;
        }
        progress_end(&w->progress);
        if (!w->done)
                return fail_bus(NULL, r, "lost the daemon while waiting");
        return FCR_EXIT_CLEAN;
}

static int cmd_replay(sd_bus *bus, const char *dev, const struct opts *o) {
        _cleanup_free_ char *job = NULL;
        char prefix[PATH_MAX + 3];
        /* A bar on a terminal; otherwise throttled lines, with the result. */
        struct wait_state w = { .progress = { .prefix = prefix, .tty = isatty(STDERR_FILENO) } };
        int code, r = start_replay(bus, dev, o, &job);

        if (!job)
                return r;       /* told already: no job to watch */
        w.job = job;
        w.progress.f = w.progress.tty ? stderr : stdout;
        snprintf(prefix, sizeof(prefix), "%s: ", dev);
        if (o->no_wait) {
                print_value(o, "job", job, "");
                return FCR_EXIT_CLEAN;
        }
        r = wait_for_job(bus, &w, o);
        if (r != FCR_EXIT_CLEAN)
                return r;
        code = w.success ? FCR_EXIT_CLEAN : fcrd_result_exit_code(w.result);
        if (o->json) {
                /* The error object, as fcreplay's, with the job and success. */
                struct json_object *j = json_error_new(dev, code, fcrd_result_to_string(w.result), w.message,
                                                       get_bool(bus, job, JOB, "Written"));

                json_object_object_add(j, "job", json_object_new_string(job));
                json_object_object_add(j, "success", json_object_new_boolean(w.success));
                print_json(j);
        } else {
                _cleanup_free_ char *shown = fcr_escape_text(w.message, strlen(w.message));

                printf("%s: %s: %s\n", dev, fcrd_result_to_string(w.result), shown ? shown : "?");
        }
        return code;
}

static int cmd_info(sd_bus *bus, const char *dev, const struct opts *o) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL, *node = NULL, *state = NULL;
        struct json_object *j;
        int r;

        r = fcr_bus_device_path(dev, &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, DEST, path, DEVICE, "Path", &err, &node);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, DEST, path, DEVICE, "State", &err, &state);
        if (r < 0)
                return fail_bus(&err, r, "fcreplayd knows no device %s", dev);
        j = device_json(bus, path, node, state);
        if (o->json) {
                print_json(j);
                return FCR_EXIT_CLEAN;
        }
        r = fcr_json_escape_text(j);
        if (r < 0) {
                json_object_put(j);
                return fail_bus(NULL, r, "cannot show %s", dev);
        }
        printf("%s\n", field(j, "device"));
        static const char *const rows[][2] = { { "state", "state" }, { "label", "label" }, { "uuid", "UUID" },
                                               { "last_result", "last result" }, { "last_message", "last message" },
                                               { "tags_replayed", "tags replayed" }, { "job", "job" },
                                               { "object", "object" } };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                printf("  %-14s %s\n", rows[i][1], *field(j, rows[i][0]) ? field(j, rows[i][0]) : "-");
        printf("  %-14s %.3f s\n", "time taken", atoll(field(j, "time_taken_usec")) / 1e6);
        json_object_put(j);
        return FCR_EXIT_CLEAN;
}

static int cmd_cancel(sd_bus *bus, const char *job, const struct opts *o) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        char path[256];
        int r;

        /* A job's path, or just its number. */
        snprintf(path, sizeof(path), job[0] == '/' ? "%s" : FCR_BUS_JOB_PREFIX "/%s", job);
        r = sd_bus_call_method(bus, DEST, path, JOB, "Cancel", &err, NULL, "");
        if (r < 0)
                return fail_bus(&err, r, "cannot cancel %s", path);
        if (o->json) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "job", json_object_new_string(path));
                json_object_object_add(j, "cancelled", json_object_new_boolean(true));
                print_json(j);
        } else
                printf("%s: cancelled\n", path);
        return FCR_EXIT_CLEAN;
}

/* A variant's value as JSON: the types fcreplayd's properties use. */
static struct json_object *variant_json(sd_bus_message *m) {
        const char *contents = NULL, *str;
        char type;
        uint64_t u;
        double dbl;
        int b;
        struct json_object *v = NULL;

        if (sd_bus_message_peek_type(m, &type, &contents) < 0 || sd_bus_message_enter_container(m, 'v', contents) < 0)
                return NULL;
        if ((contents[0] == 's' || contents[0] == 'o') && sd_bus_message_read_basic(m, contents[0], &str) >= 0)
                v = json_object_new_string(str);
        else if (contents[0] == 't' && sd_bus_message_read_basic(m, 't', &u) >= 0)
                v = json_object_new_int64((int64_t) u);
        else if (contents[0] == 'd' && sd_bus_message_read_basic(m, 'd', &dbl) >= 0)
                v = json_object_new_double(dbl);
        else if (contents[0] == 'b' && sd_bus_message_read_basic(m, 'b', &b) >= 0)
                v = json_object_new_boolean(b);
        else
                (void) sd_bus_message_skip(m, contents);
        (void) sd_bus_message_exit_container(m);
        return v;
}

/* A property's name as a JSON key: snake_case, as every key of our JSON
 * ("BlocksDone": "blocks_done", "UUID": "uuid"), with the unit where
 * list and info give one. */
static void json_key(const char *prop, char *buf, size_t len) {
        static const char *const units[][2] = { { "TimeTaken", "time_taken_usec" }, { "StartTime", "start_time_usec" } };
        size_t n = 0;

        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (!strcmp(prop, units[i][0])) {
                        snprintf(buf, len, "%s", units[i][1]);
                        return;
                }
        for (const char *p = prop; *p && n + 2 < len; p++) {
                /* A word starts at a capital after a small letter or a
                 * digit, or before a small letter after capitals. */
                if (p > prop && isupper((unsigned char) *p) &&
                    (islower((unsigned char) p[-1]) || isdigit((unsigned char) p[-1]) ||
                     (isupper((unsigned char) p[-1]) && islower((unsigned char) p[1]))))
                        buf[n++] = '_';
                buf[n++] = tolower((unsigned char) *p);
        }
        buf[n] = '\0';
}

/* One line a signal: "PATH: what changed", or one JSON object a line. */
static int on_monitor_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const struct opts *o = userdata;
        struct json_object *j = json_object_new_object(), *changed = json_object_new_object();
        const char *member = sd_bus_message_get_member(m), *iface = NULL, *key, *res, *msg;
        int ok;

        json_object_object_add(j, "object", json_object_new_string(sd_bus_message_get_path(m)));
        json_object_object_add(j, "signal", json_object_new_string(member));
        if (!strcmp(member, "PropertiesChanged") && sd_bus_message_read(m, "s", &iface) >= 0 &&
            sd_bus_message_enter_container(m, 'a', "{sv}") >= 0) {
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        if (sd_bus_message_read(m, "s", &key) >= 0) {
                                struct json_object *v = variant_json(m);
                                char k[64];

                                json_key(key, k, sizeof(k));
                                if (v)
                                        json_object_object_add(changed, o->json ? k : key, v);
                        }
                        (void) sd_bus_message_exit_container(m);
                }
                json_object_object_add(j, "interface", json_object_new_string(iface));
        } else if (!strcmp(member, "Completed") && sd_bus_message_read(m, "bss", &ok, &res, &msg) >= 0) {
                json_object_object_add(changed, "success", json_object_new_boolean(ok));
                json_object_object_add(changed, "result", json_object_new_string(res));
                json_object_object_add(changed, "message", json_object_new_string(msg));
        }
        json_object_object_add(j, "values", changed);
        if (o->json)
                printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        else if (fcr_json_escape_text(changed) >= 0) {
                printf("%s: %s", sd_bus_message_get_path(m), member);
                json_object_object_foreach(changed, k, v)
                        printf(" %s=%s", k, json_object_get_string(v));
                printf("\n");
        }
        fflush(stdout);
        json_object_put(j);
        return 0;
}

/* Signals as they come, as udisksctl monitor does; ends with the bus. */
static int cmd_monitor(sd_bus *bus, const char *arg, const struct opts *o) {
        int r = sd_bus_add_match(bus, NULL, "type='signal',sender='" DEST "'", on_monitor_signal, (void *) o);

        if (r < 0)
                return fail_bus(NULL, r, "cannot watch fcreplayd's signals");
        /* The match is in place: what happens from here on is seen. */
        if (!o->json) {
                printf("Monitoring fcreplayd (" DEST "); Ctrl+C to stop.\n");
                fflush(stdout);
        }
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0)
                        return fail_bus(NULL, r, "lost the bus");
        }
}

/* The daemon's JSON report, or its text form as fcreplay inspect prints it. */
static int cmd_inspect(sd_bus *bus, const char *dev, const struct opts *o) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct json_object *report = NULL;
        const char *json;
        int r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "Inspect", &err, &reply, "s", dev);

        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &json);
        if (r >= 0 && !(report = json_tokener_parse(json)))
                r = -EBADMSG;
        /* File names in the log are the disk's: text form for a terminal. */
        if (r >= 0 && !o->json && (r = fcr_json_escape_text(report)) < 0)
                json_object_put(report);
        if (r < 0)
                return fail_bus(&err, r, "cannot inspect");
        if (o->json) {
                print_json(report);
                return FCR_EXIT_CLEAN;
        }
        r = print_inspect_json(stdout, report);
        json_object_put(report);
        return r < 0 ? fail_bus(NULL, r, "cannot read the daemon's report") : FCR_EXIT_CLEAN;
}

static int cmd_set_allocator(sd_bus *bus, const char *name, const struct opts *o) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "SetAllocator", &err, NULL, "s", name);

        if (r < 0)
                return fail_bus(&err, r, "cannot set the allocator");
        print_value(o, "allocator", name, "allocator: ");
        return FCR_EXIT_CLEAN;
}

static void strv_freep(char ***v) {
        for (char **p = *v; p && *p; p++)
                free(*p);
        free(*v);
}

static int cmd_list_allocators(sd_bus *bus, const char *arg, const struct opts *o) {
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_free_ char *cur = NULL;
        struct json_object *arr;
        int r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "ListAllocators", &err, &reply, "");

        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &names);
        if (r < 0)
                return fail_bus(&err, r, "cannot list the allocators");
        cur = get_string(bus, ROOT, MANAGER, "Allocator");
        arr = json_object_new_array();
        for (char **p = names; p && *p; p++)
                if (o->json)
                        json_object_array_add(arr, json_object_new_string(*p));
                else
                        printf("%s%s\n", *p, !strcmp(*p, cur) ? " (current)" : "");
        if (o->json) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "allocators", arr);
                json_object_object_add(j, "current", json_object_new_string(cur));
                print_json(j);
        } else
                json_object_put(arr);
        return FCR_EXIT_CLEAN;
}

static int run_status(sd_bus *bus, const char *arg, const struct opts *o) {
        return cmd_status(bus, o, true);
}

static int run_list(sd_bus *bus, const char *arg, const struct opts *o) {
        return cmd_status(bus, o, false);
}

/* The commands: each takes no argument (arg: NULL) or one. */
static const struct command {
        const char *name;
        bool takes_arg;
        int (*run)(sd_bus *bus, const char *arg, const struct opts *o);
} commands[] = {
        { "status", false, run_status },
        { "list", false, run_list },
        { "replay", true, cmd_replay },
        { "info", true, cmd_info },
        { "cancel", true, cmd_cancel },
        { "monitor", false, cmd_monitor },
        { "inspect", true, cmd_inspect },
        { "set-allocator", true, cmd_set_allocator },
        { "list-allocators", false, cmd_list_allocators },
};

int main(int argc, char **argv) {
        enum { OPT_NO_WAIT = 256 };
        static const struct option options[] = {
                { "allocator", required_argument, NULL, 'a' },
                { "dry-run", no_argument, NULL, 'n' },
                { "force", no_argument, NULL, 'f' },
                { "no-wait", no_argument, NULL, OPT_NO_WAIT },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const struct command *cmd = NULL;
        struct opts o = {};
        char why[256];
        int c, r;

        /* With --json, a mistake found after it was read is JSON too. */
        while ((c = getopt_long(argc, argv, "a:nfjhV", options, NULL)) != -1) {
                switch (c) {
                case 'a': o.allocator = optarg; break;
                case 'n': o.dry_run = true; break;
                case 'f': o.force = true; break;
                case OPT_NO_WAIT: o.no_wait = true; break;
                case 'j': o.json = json_output = true; break;
                case 'h': usage(stdout); return FCR_EXIT_CLEAN;
                case 'V': printf("fcreplayctl %s\n", PACKAGE_VERSION); return FCR_EXIT_CLEAN;
                default:
                        usage(stderr);
                        snprintf(why, sizeof(why), "bad option %s", argv[optind - 1]);
                        return fail_usage(why);
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return fail_usage("no command");
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[optind], commands[i].name))
                        cmd = &commands[i];
        if (!cmd || argc - optind - 1 != cmd->takes_arg) {
                usage(stderr);
                if (cmd)
                        snprintf(why, sizeof(why), "%s: wrong number of arguments", cmd->name);
                else
                        snprintf(why, sizeof(why), "unknown command '%s'", argv[optind]);
                return fail_usage(why);
        }
        if (cmd->takes_arg && cmd->run != cmd_cancel && cmd->run != cmd_set_allocator)
                json_device = argv[optind + 1];
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return fail_bus(NULL, r, "cannot reach the system bus");
        return cmd->run(bus, cmd->takes_arg ? argv[optind + 1] : NULL, &o);
}
