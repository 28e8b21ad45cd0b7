#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/engine.h>
#include <fcreplay/escape.h>
#include <fcreplay/exit_codes.h>
#include <fcreplay/report.h>
#include "child.h"
#include "inspect.h"
#include "message.h"

/* The child's messages (message.h): the JSON in pieces, then its end;
 * or the error's name and reason. */
enum { JSON_PIECE = 'J', JSON_END = 'K', ERROR = 'E' };

struct inspect {
        struct fcrd_child *child;
        char *out;
        size_t len, cap;
        bool ended;                     /* JSON_END or ERROR received */
        char name[32], message[512];    /* an ERROR's */
        bool timed_out, failed;
        fcrd_inspect_done_fn done;
        void *userdata;
};

static int send_error(int fd, const char *name, const char *why) {
        struct fcrd_msg_out m;

        fcrd_msg_start(&m, ERROR);
        fcrd_msg_put_str(&m, name, 31);
        fcrd_msg_put_bytes(&m, why, strnlen(why, 511));
        return m.err ? m.err : fcrd_child_write(fd, m.buf, m.len);
}

static int send_json(int fd, const char *json) {
        static struct fcrd_msg_out m;
        size_t len = strlen(json), piece = sizeof(m.buf) - 1;
        int r = 0;

        for (size_t off = 0; r >= 0 && off < len; off += piece) {
                fcrd_msg_start(&m, JSON_PIECE);
                fcrd_msg_put_bytes(&m, json + off, len - off < piece ? len - off : piece);
                r = fcrd_child_write(fd, m.buf, m.len);
        }
        fcrd_msg_start(&m, JSON_END);
        return r < 0 ? r : fcrd_child_write(fd, m.buf, m.len);
}

/* The child: the validation of a replay, as fcreplay inspect runs it. */
struct inspect_args {
        const char *path;
        const struct fcrd_config *config;
        struct fcr_plugins *plugins;    /* NULL: the child loads them */
};

static int child(int fd, void *arg) {
        const struct inspect_args *a = arg;
        _cleanup_engine_ struct fcr_engine *e = NULL;
        struct fcr_engine_opts o = {
                .device = a->path, .read_only = true, .inspect_only = true,
                .plugin_dir = a->config->shared.plugin_dir, .plugins = a->plugins,
        };
        struct fcr_diag d = {};
        struct json_object *j;
        int r;

        r = fcr_engine_open(&o, &e, &d);
        if (r >= 0)
                r = fcr_engine_plan(e, &d);
        if (r < 0) {
                (void) send_error(fd, r == -EMEDIUMTYPE ? "NotExt4"
                                  : fcr_exit_code(r, false) == FCR_EXIT_REFUSED ? "Refused" : "Failed",
                                  d.msg[0] ? d.msg : strerror(-r));
                return FCR_EXIT_FAILED;
        }
        j = fcr_report_inspect(e);
        /* Names from the log are bytes; the reply is an 's' (escape.h). */
        r = fcr_json_make_valid(j);
        if (r >= 0)
                r = send_json(fd, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
        return r < 0 ? FCR_EXIT_FAILED : FCR_EXIT_CLEAN;
}

static void on_message(struct fcrd_child *c, const void *buf, size_t len, void *userdata) {
        struct inspect *in = userdata;
        struct fcrd_msg_in m;
        const void *p;
        uint8_t type;
        size_t n;

        if (in->ended || fcrd_msg_begin(&m, buf, len, &type) < 0)
                return;
        if (type == ERROR) {
                fcrd_msg_get_str(&m, in->name, sizeof(in->name));
                p = fcrd_msg_get_rest(&m, &n);
                snprintf(in->message, sizeof(in->message), "%.*s", (int) n, (const char *) p);
                in->ended = m.err == 0;
        } else if (type == JSON_PIECE) {
                p = fcrd_msg_get_rest(&m, &n);
                if (in->cap - in->len <= n) {
                        char *v = realloc(in->out, in->len + n + 1);

                        if (!v) {
                                in->failed = true;
                                fcrd_child_kill(c);
                                return;
                        }
                        in->out = v;
                        in->cap = in->len + n + 1;
                }
                memcpy(in->out + in->len, p, n);
                in->len += n;
                in->out[in->len] = '\0';
        } else if (type == JSON_END)
                in->ended = in->out != NULL;
}

static void on_timeout(struct fcrd_child *c, void *userdata) {
        struct inspect *in = userdata;

        in->timed_out = true;
        fcrd_child_kill(c);
}

static void on_ended(struct fcrd_child *c, int status, void *userdata) {
        struct inspect *in = userdata;

        if (in->timed_out)
                in->done(-ETIME, "Failed", NULL, "no answer within the time limit; stopped", in->userdata);
        else if (in->ended && !in->name[0] && !in->failed)
                in->done(0, NULL, in->out, NULL, in->userdata);
        else if (in->ended && in->name[0])
                in->done(-EIO, in->name, NULL, in->message, in->userdata);
        else
                in->done(-EIO, "Failed", NULL, "the inspecting process ended without an answer", in->userdata);
        free(in->out);
        free(in);
}

static const struct fcrd_child_ops ops = { .message = on_message, .timeout = on_timeout, .ended = on_ended };

static int refuse(struct fcrd_refusal *why, const char *name, int r, const char *fmt, const char *path) {
        why->name = name;
        snprintf(why->message, sizeof(why->message), fmt, path, strerror(-r));
        return r;
}

int fcrd_inspect_start(struct fcrd_manager *m, const char *path, fcrd_inspect_done_fn done, void *userdata,
                       struct fcrd_refusal *why) {
        struct inspect_args a = { .path = path, .config = &m->config };
        struct fcr_diag d = {};
        struct inspect *in;
        int r;

        /* Without blocking (a FIFO, a tty); neither block device nor
         * regular file is NotExt4.  The reading is the child's. */
        r = fcr_check_file_type(path, &d);
        if (r < 0) {
                why->name = r == -EMEDIUMTYPE ? "NotExt4" : "NoSuchDevice";
                snprintf(why->message, sizeof(why->message), "%.*s", (int) sizeof(why->message) - 1, d.msg);
                return r;
        }
        a.plugins = fcrd_config_plugins(&m->config, &d);
        in = calloc(1, sizeof(*in));
        if (!in)
                return -ENOMEM;
        in->done = done;
        in->userdata = userdata;
        r = fcrd_child_spawn(m->event, child, &a, &ops, in, &in->child);
        if (r >= 0)
                r = fcrd_child_set_limit(in->child, fcrd_config_child_limit(&m->config));
        if (r < 0) {
                if (in->child)
                        fcrd_child_abandon(in->child, true);
                free(in);
                return refuse(why, "Failed", r, "cannot inspect %s: %s", path);
        }
        return 0;
}
