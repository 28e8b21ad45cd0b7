#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcreplay/engine.h>
#include <fcreplay/exit_codes.h>
#include <fcreplay/report.h>
#include "child.h"
#include "inspect.h"

#define DEFAULT_LIMIT_SEC 60    /* when the configuration sets none */

struct inspect {
        struct fcrd_child child;
        char *out;
        size_t len, cap;
        bool eof, exited, timed_out;
        int status;
        fcrd_inspect_done_fn done;
        void *userdata;
};

static void inspect_free(struct inspect *in) {
        fcrd_child_done(&in->child);
        free(in->out);
        free(in);
}

/* The child: "OK\n" and the JSON, or "ERR NAME\n" and the reason. */
static int child(int out, const char *path, const struct fcrd_config *c) {
        _cleanup_engine_ struct fcr_engine *e = NULL;
        struct fcr_engine_opts o = {
                .device = path, .read_only = true, .inspect_only = true, .plugin_dir = c->shared.plugin_dir,
                .plugins = c->plugins,
        };
        struct fcr_diag d = {};
        struct json_object *j;
        FILE *f = fdopen(out, "w");
        int r;

        if (!f)
                return FCR_EXIT_FAILED;
        /* The validation of a replay, as fcreplay inspect runs it. */
        r = fcr_engine_open(&o, &e, &d);
        if (r >= 0)
                r = fcr_engine_plan(e, &d);
        if (r < 0) {
                fprintf(f, "ERR %s\n%s", r == -EMEDIUMTYPE ? "NotExt4" : fcr_is_refusal(r) ? "Refused" : "Failed",
                        d.msg[0] ? d.msg : strerror(-r));
                fclose(f);
                return FCR_EXIT_FAILED;
        }
        j = fcr_report_inspect(e);
        fprintf(f, "OK\n%s", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
        return fclose(f) == 0 ? FCR_EXIT_CLEAN : FCR_EXIT_FAILED;
}

static void finish(struct inspect *in) {
        char *nl, name[32] = "Failed";

        if (!in->eof || !in->exited)
                return;
        nl = in->out ? strchr(in->out, '\n') : NULL;
        if (in->timed_out)
                in->done(-ETIME, "Failed", NULL, "no answer within the time limit; stopped", in->userdata);
        else if (nl && !strncmp(in->out, "OK\n", 3))
                in->done(0, NULL, nl + 1, NULL, in->userdata);
        else if (nl && sscanf(in->out, "ERR %31s", name) == 1)
                in->done(-EIO, name, NULL, nl + 1, in->userdata);
        else
                in->done(-EIO, "Failed", NULL, "the inspecting process ended without an answer", in->userdata);
        inspect_free(in);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct inspect *in = userdata;
        ssize_t n;

        if (in->cap - in->len < 4096) {
                char *v = realloc(in->out, in->cap + 65536);

                if (!v) {
                        kill(in->child.pid, SIGKILL);
                        n = 0;
                        goto eof;
                }
                in->out = v;
                in->cap += 65536;
        }
        n = read(fd, in->out + in->len, in->cap - in->len - 1);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n > 0) {
                in->len += n;
                in->out[in->len] = '\0';
                return 0;
        }
eof:
        in->eof = true;
        in->child.io = sd_event_source_disable_unref(in->child.io);
        finish(in);
        return 0;
}

static int on_exit_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        struct inspect *in = userdata;

        in->exited = true;
        finish(in);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct inspect *in = userdata;

        in->timed_out = true;
        kill(in->child.pid, SIGKILL);
        return 0;
}

static int refuse(struct fcrd_refusal *why, const char *name, int r, const char *fmt, const char *path) {
        why->name = name;
        snprintf(why->message, sizeof(why->message), fmt, path, strerror(-r));
        return r;
}

int fcrd_inspect_start(struct fcrd_manager *m, const char *path, fcrd_inspect_done_fn done, void *userdata,
                       struct fcrd_refusal *why) {
        unsigned limit = m->config.timeout_sec ? m->config.timeout_sec : DEFAULT_LIMIT_SEC;
        struct fcr_diag d = {};
        struct inspect *in;
        int p[2], r;

        /* Without blocking (a FIFO, a tty); neither block device nor
         * regular file is NotExt4.  The reading is the child's. */
        r = fcr_check_file_type(path, &d);
        if (r < 0) {
                why->name = r == -EMEDIUMTYPE ? "NotExt4" : "NoSuchDevice";
                snprintf(why->message, sizeof(why->message), "%.*s", (int) sizeof(why->message) - 1, d.msg);
                return r;
        }
        in = calloc(1, sizeof(*in));
        if (!in)
                return -ENOMEM;
        in->child = FCRD_CHILD_NULL;
        in->done = done;
        in->userdata = userdata;
        if (pipe2(p, O_CLOEXEC) < 0) {
                r = -errno;
                free(in);
                return refuse(why, "Failed", r, "cannot inspect %s: %s", path);
        }
        in->child.pid = fork();
        if (in->child.pid == 0) {
                sigset_t all;

                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                close(p[0]);
                _exit(child(p[1], path, &m->config));
        }
        r = in->child.pid < 0 ? -errno : 0;
        close(p[1]);
        in->child.fd = p[0];
        if (r >= 0)
                r = fcrd_child_watch(&in->child, m->event, limit, on_io, on_exit_child, on_timeout, in);
        if (r < 0) {
                inspect_free(in);
                return refuse(why, "Failed", r, "cannot inspect %s: %s", path);
        }
        return 0;
}
