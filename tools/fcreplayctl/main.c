/* fcreplayctl: ask fcreplayd, over D-Bus (org.fcreplay1), what it did,
 * and have it replay a device or change the allocation policy. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include <fcreplay/exit_codes.h>
#include "print_inspect.h"
#include "progress.h"

#define DEST "org.fcreplay1"
#define ROOT "/org/fcreplay1"
#define MANAGER "org.fcreplay1.Manager"
#define DEVICE "org.fcreplay1.Device"
#define JOB "org.fcreplay1.Job"
#define DEVICE_PREFIX ROOT "/device"
#define JOB_PREFIX ROOT "/job"

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

static void print_json(struct json_object *o);

/* A D-Bus error to our exit codes, with one line on stderr (and, with
 * --json, one object on stdout). */
static int fail_bus(const char *what, const sd_bus_error *e, int r) {
        bool not_dirty = e && e->name && !strcmp(e->name, "org.fcreplay1.Error.NotDirty");
        int code = not_dirty ? FCR_EXIT_CLEAN
                : e && e->name && !strcmp(e->name, "org.fcreplay1.Error.Refused") ? FCR_EXIT_REFUSED : FCR_EXIT_FAILED;
        const char *why = e && e->message ? e->message : strerror(-r);

        if (json_output) {
                struct json_object *o = json_object_new_object();

                json_object_object_add(o, "exit_code", json_object_new_int(code));
                json_object_object_add(o, "result", json_object_new_string(not_dirty ? "nothing-to-do"
                                                                        : code == FCR_EXIT_REFUSED ? "refused" : "failed"));
                json_object_object_add(o, not_dirty ? "message" : "error", json_object_new_string(why));
                if (e && e->name)
                        json_object_object_add(o, "error_name", json_object_new_string(e->name));
                json_object_object_add(o, "written", json_object_new_boolean(false));
                print_json(o);
        } else if (not_dirty)
                printf("%s\n", e->message);
        if (!not_dirty)
                fprintf(stderr, "fcreplayctl: %s: %s\n", what, why);
        return code;
}

static int connect_bus(sd_bus **ret) {
        return sd_bus_open_system(ret);
}

static char *get_string(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        char *s = NULL;

        if (sd_bus_get_property_string(bus, DEST, path, iface, prop, NULL, &s) < 0)
                return strdup("?");
        return s;
}

/* An object-path property; "/" for none or on error. */
static char *get_object(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        sd_bus_message *reply = NULL;
        const char *v = "/";
        char *s;

        if (sd_bus_get_property(bus, DEST, path, iface, prop, NULL, &reply, "o") < 0 ||
            sd_bus_message_read(reply, "o", &v) < 0)
                v = "/";
        s = strdup(v);
        sd_bus_message_unref(reply);
        return s;
}

static uint64_t get_u64(sd_bus *bus, const char *path, const char *iface, const char *prop) {
        uint64_t v = 0;

        sd_bus_get_property_trivial(bus, DEST, path, iface, prop, NULL, 't', &v);
        return v;
}

static void print_json(struct json_object *o) {
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        json_object_put(o);
}

/* One device's properties as JSON, keys in snake_case as everywhere in
 * fcreplay's JSON. */
static struct json_object *device_json(sd_bus *bus, const char *path, const char *node, const char *state) {
        static const char *const props[][2] = { { "UUID", "uuid" }, { "Label", "label" },
                                                { "LastResult", "last_result" }, { "LastMessage", "last_message" } };
        struct json_object *o = json_object_new_object();
        char *job = get_object(bus, path, "org.fcreplay1.Device", "Job");

        json_object_object_add(o, "object", json_object_new_string(path));
        json_object_object_add(o, "device", json_object_new_string(node));
        json_object_object_add(o, "state", json_object_new_string(state));
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                char *s = get_string(bus, path, "org.fcreplay1.Device", props[i][0]);

                json_object_object_add(o, props[i][1], json_object_new_string(s));
                free(s);
        }
        /* "": no replay running ("/" on the bus). */
        json_object_object_add(o, "job", json_object_new_string(job && strcmp(job, "/") ? job : ""));
        free(job);
        json_object_object_add(o, "tags_replayed",
                               json_object_new_int64(get_u64(bus, path, "org.fcreplay1.Device", "TagsReplayed")));
        json_object_object_add(o, "time_taken_usec",
                               json_object_new_int64(get_u64(bus, path, "org.fcreplay1.Device", "TimeTaken")));
        return o;
}

/* The devices as JSON: one object each with the Device properties. */
static int devices(sd_bus *bus, struct json_object **ret, sd_bus_error *err) {
        sd_bus_message *reply = NULL;
        struct json_object *arr = json_object_new_array();
        const char *path, *node, *state;
        int r;

        r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "ListDevices", err, &reply, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(oss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(oss)", &path, &node, &state)) > 0)
                json_object_array_add(arr, device_json(bus, path, node, state));
        sd_bus_message_unref(reply);
        if (r < 0) {
                json_object_put(arr);
                return r;
        }
        *ret = arr;
        return 0;
}

static const char *field(struct json_object *o, const char *key) {
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* A last result that is not a success: the admin wants to know why. */
static bool needs_reason(const char *last_result) {
        return *last_result && strcmp(last_result, "replayed") && strcmp(last_result, "nothing-to-do") &&
               strcmp(last_result, "dry-run");
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
        sd_bus_error err = SD_BUS_ERROR_NULL;
        struct json_object *arr;
        int r = devices(bus, &arr, &err);

        if (r < 0) {
                r = fail_bus("cannot list the devices of fcreplayd", &err, r);
                sd_bus_error_free(&err);
                return r;
        }
        if (with_daemon) {
                char *ver = get_string(bus, ROOT, MANAGER, "Version"), *st = get_string(bus, ROOT, MANAGER, "State"),
                     *al = get_string(bus, ROOT, MANAGER, "Allocator");

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
                free(ver);
                free(st);
                free(al);
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
        struct progress progress;
        char message[700];
};

/* The job's phase and, while writing, its blocks: the daemon's one model. */
static void show_progress(sd_bus *bus, struct wait_state *w, const struct opts *o) {
        char *phase;

        if (o->json)
                return;         /* JSON output is the result alone. */
        phase = get_string(bus, w->job, JOB, "Phase");
        if (!strcmp(phase, "planning") || !strcmp(phase, "writing"))
                progress_show(&w->progress, phase, get_u64(bus, w->job, JOB, "BlocksDone"),
                              get_u64(bus, w->job, JOB, "BlocksTotal"));
        free(phase);
}

static int on_job_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct wait_state *w = userdata;
        const char *msg;
        int ok;

        if (sd_bus_message_is_signal(m, "org.fcreplay1.Job", "Completed") &&
            sd_bus_message_read(m, "bs", &ok, &msg) >= 0) {
                w->done = true;
                w->success = ok;
                snprintf(w->message, sizeof(w->message), "%s", msg);
        }
        return 0;
}

static int cmd_replay(sd_bus *bus, const char *dev, const struct opts *o) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *call = NULL, *reply = NULL;
        char prefix[PATH_MAX + 3];
        /* A bar on a terminal; otherwise throttled lines, with the result. */
        struct wait_state w = { .progress = { .prefix = prefix, .tty = isatty(STDERR_FILENO) } };
        const char *job;
        char match[256];
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
        sd_bus_message_unref(call);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &job);
        if (r < 0) {
                char what[300];

                snprintf(what, sizeof(what), "cannot replay %s", dev);
                r = fail_bus(what, &err, r);
                sd_bus_error_free(&err);
                sd_bus_message_unref(reply);
                return r;
        }
        /* job points into reply: keep a copy that outlives it. */
        char *job_copy = strdup(job);
        if (!job_copy) {
                sd_bus_message_unref(reply);
                return fail_bus("out of memory", NULL, -ENOMEM);
        }
        sd_bus_message_unref(reply);
        reply = NULL;
        job = job_copy;
        w.job = job;
        w.progress.f = w.progress.tty ? stderr : stdout;
        snprintf(prefix, sizeof(prefix), "%s: ", dev);
        if (o->no_wait) {
                if (o->json) {
                        struct json_object *j = json_object_new_object();

                        json_object_object_add(j, "job", json_object_new_string(job));
                        print_json(j);
                } else
                        printf("%s\n", job);
                free(job_copy);
                return FCR_EXIT_CLEAN;
        }
        /* Subscribe, then look: a job that ended in between is seen too. */
        snprintf(match, sizeof(match), "type='signal',sender='" DEST "',path='%s'", job);
        r = sd_bus_add_match(bus, NULL, match, on_job_signal, &w);
        if (r < 0) {
                free(job_copy);
                return fail_bus("cannot watch the job", NULL, r);
        }
        char *state = get_string(bus, job, "org.fcreplay1.Job", "State");
        if (strcmp(state, "running") && strcmp(state, "writing")) {
                char *devpath = NULL, *res, *msg;

                sd_bus_path_encode("/org/fcreplay1/device", strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev, &devpath);
                res = get_string(bus, devpath, "org.fcreplay1.Device", "LastResult");
                msg = get_string(bus, devpath, "org.fcreplay1.Device", "LastMessage");
                w.done = true;
                w.success = !strcmp(state, "completed");
                snprintf(w.message, sizeof(w.message), "%s: %s", res, msg);
                free(devpath);
                free(res);
                free(msg);
        }
        free(state);
        while (!w.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (r > 0)
                        continue;
                show_progress(bus, &w, o);
                r = sd_bus_wait(bus, 200000);
                if (r < 0)
                        break;
        }
        progress_end(&w.progress);
        if (!w.done) {
                free(job_copy);
                return fail_bus("lost the daemon while waiting", NULL, r);
        }
        if (o->json) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "job", json_object_new_string(job));
                json_object_object_add(j, "device", json_object_new_string(dev));
                json_object_object_add(j, "success", json_object_new_boolean(w.success));
                json_object_object_add(j, "message", json_object_new_string(w.message));
                print_json(j);
        } else
                printf("%s: %s\n", dev, w.message);
        free(job_copy);
        if (w.success)
                return FCR_EXIT_CLEAN;
        return !strncmp(w.message, "refused", 7) ? FCR_EXIT_REFUSED : FCR_EXIT_FAILED;
}

static int cmd_info(sd_bus *bus, const char *dev, const struct opts *o) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *base = strrchr(dev, '/');
        char *path = NULL, *node = NULL, *state = NULL;
        struct json_object *j;
        int r;

        /* Device objects are named after the node, as the daemon names them. */
        r = sd_bus_path_encode(DEVICE_PREFIX, base ? base + 1 : dev, &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, DEST, path, DEVICE, "Path", &err, &node);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, DEST, path, DEVICE, "State", &err, &state);
        if (r < 0) {
                char what[300];

                snprintf(what, sizeof(what), "fcreplayd knows no device %s", dev);
                r = fail_bus(what, &err, r);
                sd_bus_error_free(&err);
                free(path);
                free(node);
                return r;
        }
        j = device_json(bus, path, node, state);
        free(path);
        free(node);
        free(state);
        if (o->json) {
                print_json(j);
                return FCR_EXIT_CLEAN;
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
        sd_bus_error err = SD_BUS_ERROR_NULL;
        char path[256];
        int r;

        /* A job's path, or just its number. */
        snprintf(path, sizeof(path), job[0] == '/' ? "%s" : JOB_PREFIX "/%s", job);
        r = sd_bus_call_method(bus, DEST, path, JOB, "Cancel", &err, NULL, "");
        if (r < 0) {
                char what[300];

                snprintf(what, sizeof(what), "cannot cancel %s", path);
                r = fail_bus(what, &err, r);
                sd_bus_error_free(&err);
                return r;
        }
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

/* One line a signal: "PATH: what changed", or one JSON object a line. */
static int on_monitor_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const struct opts *o = userdata;
        struct json_object *j = json_object_new_object(), *changed = json_object_new_object();
        const char *member = sd_bus_message_get_member(m), *iface = NULL, *key, *msg;
        int ok;

        json_object_object_add(j, "object", json_object_new_string(sd_bus_message_get_path(m)));
        json_object_object_add(j, "signal", json_object_new_string(member));
        if (!strcmp(member, "PropertiesChanged") && sd_bus_message_read(m, "s", &iface) >= 0 &&
            sd_bus_message_enter_container(m, 'a', "{sv}") >= 0) {
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        if (sd_bus_message_read(m, "s", &key) >= 0) {
                                struct json_object *v = variant_json(m);

                                if (v)
                                        json_object_object_add(changed, key, v);
                        }
                        (void) sd_bus_message_exit_container(m);
                }
                json_object_object_add(j, "interface", json_object_new_string(iface));
        } else if (!strcmp(member, "Completed") && sd_bus_message_read(m, "bs", &ok, &msg) >= 0) {
                json_object_object_add(changed, "success", json_object_new_boolean(ok));
                json_object_object_add(changed, "message", json_object_new_string(msg));
        }
        json_object_object_add(j, "values", changed);
        if (o->json)
                printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        else {
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
static int cmd_monitor(sd_bus *bus, const struct opts *o) {
        int r = sd_bus_add_match(bus, NULL, "type='signal',sender='" DEST "'", on_monitor_signal, (void *) o);

        if (r < 0)
                return fail_bus("cannot watch fcreplayd's signals", NULL, r);
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
                        return fail_bus("lost the bus", NULL, r);
        }
}

/* The daemon's JSON report, or its text form as fcreplay inspect prints it. */
static int cmd_inspect(sd_bus *bus, const char *dev, const struct opts *o) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        struct json_object *report = NULL;
        const char *json;
        int r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "Inspect", &err, &reply, "s", dev);

        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &json);
        if (r >= 0 && !(report = json_tokener_parse(json)))
                r = -EBADMSG;
        sd_bus_message_unref(reply);
        if (r < 0) {
                r = fail_bus("cannot inspect", &err, r);
                sd_bus_error_free(&err);
                return r;
        }
        if (o->json)
                print_json(report);
        else {
                print_inspect_report(stdout, report);
                json_object_put(report);
        }
        return FCR_EXIT_CLEAN;
}

static int cmd_set_allocator(sd_bus *bus, const char *name, const struct opts *o) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "SetAllocator", &err, NULL, "s", name);

        if (r < 0) {
                r = fail_bus("cannot set the allocator", &err, r);
                sd_bus_error_free(&err);
                return r;
        }
        if (o->json) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "allocator", json_object_new_string(name));
                print_json(j);
        } else
                printf("allocator: %s\n", name);
        return FCR_EXIT_CLEAN;
}

static int cmd_list_allocators(sd_bus *bus, const struct opts *o) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char **names = NULL, *cur;
        int r = sd_bus_call_method(bus, DEST, ROOT, MANAGER, "ListAllocators", &err, &reply, "");

        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &names);
        sd_bus_message_unref(reply);
        if (r < 0) {
                r = fail_bus("cannot list the allocators", &err, r);
                sd_bus_error_free(&err);
                return r;
        }
        cur = get_string(bus, ROOT, MANAGER, "Allocator");
        struct json_object *arr = json_object_new_array();
        for (char **p = names; p && *p; p++) {
                if (o->json)
                        json_object_array_add(arr, json_object_new_string(*p));
                else
                        printf("%s%s\n", *p, !strcmp(*p, cur) ? " (current)" : "");
                free(*p);
        }
        free(names);
        if (o->json) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "allocators", arr);
                json_object_object_add(j, "current", json_object_new_string(cur));
                print_json(j);
        } else
                json_object_put(arr);
        free(cur);
        return FCR_EXIT_CLEAN;
}

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
        struct opts o = {};
        const char *cmd;
        sd_bus *bus = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "a:nfjhV", options, NULL)) != -1) {
                switch (c) {
                case 'a': o.allocator = optarg; break;
                case 'n': o.dry_run = true; break;
                case 'f': o.force = true; break;
                case OPT_NO_WAIT: o.no_wait = true; break;
                case 'j': o.json = true; break;
                case 'h': usage(stdout); return FCR_EXIT_CLEAN;
                case 'V': printf("fcreplayctl %s\n", PACKAGE_VERSION); return FCR_EXIT_CLEAN;
                default: usage(stderr); return FCR_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return FCR_EXIT_USAGE;
        }
        cmd = argv[optind];
        int nargs = argc - optind - 1;
        bool one = !strcmp(cmd, "replay") || !strcmp(cmd, "inspect") || !strcmp(cmd, "set-allocator") ||
                   !strcmp(cmd, "info") || !strcmp(cmd, "cancel");
        bool none = !strcmp(cmd, "status") || !strcmp(cmd, "list") || !strcmp(cmd, "list-allocators") ||
                    !strcmp(cmd, "monitor");
        if (!(one && nargs == 1) && !(none && nargs == 0)) {
                fprintf(stderr, "fcreplayctl: %s\n", one || none ? "wrong number of arguments" : "unknown command");
                usage(stderr);
                return FCR_EXIT_USAGE;
        }
        json_output = o.json;
        r = connect_bus(&bus);
        if (r < 0)
                return fail_bus("cannot reach the system bus", NULL, r);
        if (!strcmp(cmd, "status"))
                r = cmd_status(bus, &o, true);
        else if (!strcmp(cmd, "list"))
                r = cmd_status(bus, &o, false);
        else if (!strcmp(cmd, "replay"))
                r = cmd_replay(bus, argv[optind + 1], &o);
        else if (!strcmp(cmd, "monitor"))
                r = cmd_monitor(bus, &o);
        else if (!strcmp(cmd, "info"))
                r = cmd_info(bus, argv[optind + 1], &o);
        else if (!strcmp(cmd, "cancel"))
                r = cmd_cancel(bus, argv[optind + 1], &o);
        else if (!strcmp(cmd, "inspect"))
                r = cmd_inspect(bus, argv[optind + 1], &o);
        else if (!strcmp(cmd, "set-allocator"))
                r = cmd_set_allocator(bus, argv[optind + 1], &o);
        else
                r = cmd_list_allocators(bus, &o);
        sd_bus_flush_close_unref(bus);
        return r;
}
