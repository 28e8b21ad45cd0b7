/* The connection to the system bus.  The bus does not exist in early
 * boot: the daemon works without it and connects when its socket appears
 * (inotify on the socket's directory, or on its nearest ancestor until
 * that directory exists; no polling), and again after the bus restarts.
 * Nothing here blocks the event loop: the name is requested
 * asynchronously, and a socket that is there but refuses or does not
 * answer is retried by a timer (bounded backoff). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "log.h"
#include "objects.h"

/* The manager's changes, announced by the object that changed. */
static void on_change(struct fcrd_manager *m, enum fcrd_change what, struct fcrd_device *d, struct fcrd_job *j) {
        struct fcrd_bus *b = m->bus;

        if (!b || !b->bus)
                return;
        if (what == FCRD_MANAGER_CHANGED)
                fcrd_bus_manager_changed(b);
        else if (what == FCRD_DEVICE_CHANGED && d)
                fcrd_bus_device_changed(b, d);
        else if (what == FCRD_JOB_PROGRESS || what == FCRD_JOB_DONE)
                fcrd_bus_job_changed(b, j, what == FCRD_JOB_DONE);
}

static int watch_for_bus(struct fcrd_bus *b);
static void connect_bus(struct fcrd_bus *b);

/* Retries: from RETRY_MIN_USEC, doubling up to RETRY_MAX_USEC. */
#define RETRY_MIN_USEC (500 * 1000ULL)
#define RETRY_MAX_USEC (2 * 1000 * 1000ULL)

static void disconnect(struct fcrd_bus *b) {
        for (size_t i = 0; i < sizeof(b->slots) / sizeof(b->slots[0]); i++)
                b->slots[i] = sd_bus_slot_unref(b->slots[i]);
        if (b->bus) {
                sd_bus_detach_event(b->bus);
                /* Flushing waits until the connection is up: only flush
                 * one that is (signals still queued), never a bus that
                 * does not answer yet. */
                if (sd_bus_is_ready(b->bus) > 0)
                        b->bus = sd_bus_flush_close_unref(b->bus);
                else
                        b->bus = sd_bus_close_unref(b->bus);
        }
        b->serving = false;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fcrd_bus *b = userdata;

        b->retry = sd_event_source_disable_unref(b->retry);
        connect_bus(b);
        return 0;
}

/* A failed attempt: logged once until the next success, then retried by
 * a timer, since no inotify event comes for a socket that is there
 * already but does not answer (dbus.socket listens before dbus-daemon
 * runs) or refuses. */
static void failed(struct fcrd_bus *b, bool connecting, const char *why) {
        uint64_t now;
        int r;

        disconnect(b);
        b->retry_usec = b->retry_usec ? b->retry_usec * 2 : RETRY_MIN_USEC;
        if (b->retry_usec > RETRY_MAX_USEC)
                b->retry_usec = RETRY_MAX_USEC;
        if (!b->failing)
                fcrd_log(LOG_WARNING, "cannot %s the system bus at %s: %s; retrying every %llu s at most",
                         connecting ? "connect to" : "take " BUS_NAME " on", b->socket_path, why,
                         RETRY_MAX_USEC / 1000000ULL);
        b->failing = true;
        b->retry = sd_event_source_disable_unref(b->retry);
        r = sd_event_now(b->m->event, CLOCK_MONOTONIC, &now);
        if (r >= 0)
                r = sd_event_add_time(b->m->event, &b->retry, CLOCK_MONOTONIC, now + b->retry_usec, 0,
                                      on_retry, b);
        if (r < 0)
                fcrd_log(LOG_WARNING, "cannot retry the system bus at %s: %s; not serving " BUS_NAME,
                         b->socket_path, strerror(-r));
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;

        if (!b->serving) {
                failed(b, false, "the connection was closed");
                return 0;
        }
        fcrd_log(LOG_NOTICE, "the system bus went away; waiting for it to come back");
        disconnect(b);
        b->retry_usec = 0;
        connect_bus(b);
        return 0;
}

/* The reply to RequestName, in the event loop: the call never blocks it
 * (a bus that does not answer yet would stall every duty). */
static int on_name(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        struct fcrd_bus *b = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t ret = 0;
        int r;

        b->slots[7] = sd_bus_slot_unref(b->slots[7]);
        if (e) {
                failed(b, false, e->message ? e->message : e->name);
                return 0;
        }
        r = sd_bus_message_read(reply, "u", &ret);
        if (r < 0) {
                failed(b, false, strerror(-r));
                return 0;
        }
        /* 1: primary owner, 4: already, 2: queued behind another owner. */
        if (ret != 1 && ret != 4 && ret != 2) {
                failed(b, false, "the bus said it exists");
                return 0;
        }
        b->serving = true;
        b->failing = false;
        b->retry_usec = 0;
        if (ret == 2)
                fcrd_log(LOG_NOTICE, "another process owns " BUS_NAME "; serving it once that one lets go");
        else
                fcrd_log(LOG_INFO, "serving " BUS_NAME " on the system bus");
        return 0;
}

/* Connect and ask for the name; the answer comes in on_name(). */
static int try_connect(struct fcrd_bus *b) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);

        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, &b->slots[0], ROOT_PATH, BUS_NAME ".Manager", fcrd_manager_vtable, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, &b->slots[1], DEVICE_PREFIX, BUS_NAME ".Device",
                                               fcrd_device_vtable, fcrd_bus_device_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, &b->slots[2], DEVICE_PREFIX, fcrd_bus_device_enum, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, &b->slots[3], JOB_PREFIX, BUS_NAME ".Job", fcrd_job_vtable,
                                               fcrd_bus_job_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, &b->slots[4], JOB_PREFIX, fcrd_bus_job_enum, b);
        if (r >= 0)
                r = sd_bus_add_object_manager(bus, &b->slots[5], ROOT_PATH);
        if (r >= 0)
                r = sd_bus_match_signal(bus, &b->slots[6], "org.freedesktop.DBus.Local", NULL,
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, b);
        if (r >= 0)
                r = sd_bus_request_name_async(bus, &b->slots[7], BUS_NAME, 0, on_name, b);
        if (r >= 0)
                r = sd_bus_attach_event(bus, b->m->event, 0);
        b->bus = bus;
        if (r < 0)
                disconnect(b);
        return r;
}

static void stop_watching(struct fcrd_bus *b) {
        b->watch = sd_event_source_disable_unref(b->watch);
        if (b->inotify_fd >= 0)
                close(b->inotify_fd);
        b->inotify_fd = -1;
        b->wd = -1;
}

/* Directories only (IN_ONLYDIR): a file in the way is waited out, not
 * watched.  *_SELF: the watched directory went away or moved. */
#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* Watch the deepest directory on the way to the socket that exists (at
 * boot /run/dbus may not exist yet), and connect once the socket is
 * there.  After each watch is added, look one level down again: what
 * appeared before the watch was in place sends no event. */
static int rewatch(struct fcrd_bus *b) {
        char dir[PATH_MAX], next[PATH_MAX];
        const char *rest;
        struct stat st;
        char *slash;
        int wd, r;

        for (;;) {
                snprintf(dir, sizeof(dir), "%s", b->socket_path);
                do {
                        slash = strrchr(dir, '/');
                        slash[slash == dir] = '\0';    /* "/" stays "/" */
                        wd = inotify_add_watch(b->inotify_fd, dir, WATCH_MASK);
                } while (wd < 0 && (errno == ENOENT || errno == ENOTDIR) && slash != dir);
                if (wd < 0) {
                        r = -errno;
                        fcrd_log(LOG_WARNING, "cannot watch %s for the system bus: %s", dir, strerror(-r));
                        return r;
                }
                /* The same directory gives the same descriptor back. */
                if (b->wd >= 0 && b->wd != wd)
                        (void) inotify_rm_watch(b->inotify_fd, b->wd);
                b->wd = wd;
                rest = b->socket_path + strlen(dir) + (slash != dir);
                slash = strchr(rest, '/');
                if (!slash)
                        break;
                snprintf(next, sizeof(next), "%.*s", (int) (slash - b->socket_path), b->socket_path);
                if (stat(next, &st) < 0 || !S_ISDIR(st.st_mode))
                        return 0;
                /* It is there already: move the watch down to it. */
        }
        if (access(b->socket_path, F_OK) == 0) {
                stop_watching(b);
                connect_bus(b);
        }
        return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct fcrd_bus *b = userdata;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        /* Which event does not matter: each one means look again. */
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        if (rewatch(b) < 0)
                stop_watching(b);
        return 0;
}

/* Inotify on the way to the socket: no polling. */
static int watch_for_bus(struct fcrd_bus *b) {
        int r;

        if (b->inotify_fd >= 0)
                return 0;
        if (b->socket_path[0] != '/') {
                fcrd_log(LOG_WARNING, "cannot watch for the system bus: %s is not an absolute path", b->socket_path);
                return -EINVAL;
        }
        b->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (b->inotify_fd < 0) {
                r = -errno;
                fcrd_log(LOG_WARNING, "cannot watch for the system bus: %s", strerror(-r));
                return r;
        }
        r = sd_event_add_io(b->m->event, &b->watch, b->inotify_fd, EPOLLIN, on_inotify, b);
        if (r < 0)
                fcrd_log(LOG_WARNING, "cannot watch for the system bus: %s", strerror(-r));
        else
                r = rewatch(b);
        if (r < 0)
                stop_watching(b);
        return r;
}

/* The socket is there: connect (a failure retries by timer).  It is not:
 * wait for it by inotify. */
static void connect_bus(struct fcrd_bus *b) {
        int r;

        if (access(b->socket_path, F_OK) < 0) {
                watch_for_bus(b);
                return;
        }
        r = try_connect(b);
        if (r < 0)
                failed(b, true, strerror(-r));
}

int fcrd_bus_start(struct fcrd_manager *m, struct fcrd_bus **ret) {
        const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        struct fcrd_bus *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->m = m;
        b->inotify_fd = -1;
        b->wd = -1;
        /* unix:path=/run/dbus/system_bus_socket, or what the tests set. */
        if (addr && !strncmp(addr, "unix:path=", 10)) {
                snprintf(b->socket_path, sizeof(b->socket_path), "%s", addr + 10);
                b->socket_path[strcspn(b->socket_path, ",;")] = '\0';
        } else
                snprintf(b->socket_path, sizeof(b->socket_path), "/run/dbus/system_bus_socket");
        m->bus = b;
        m->on_change = on_change;
        if (access(b->socket_path, F_OK) < 0)
                fcrd_log(LOG_INFO, "no system bus yet (%s); serving it once it appears", b->socket_path);
        connect_bus(b);
        *ret = b;
        return 0;
}

void fcrd_bus_free(struct fcrd_bus *b) {
        if (!b)
                return;
        disconnect(b);
        stop_watching(b);
        b->retry = sd_event_source_disable_unref(b->retry);
        b->m->bus = NULL;
        b->m->on_change = NULL;
        free(b);
}
