/* The connection to the system bus.  The bus does not exist in early
 * boot: the daemon works without it and connects when its socket appears
 * (inotify on the socket's directory, or on its nearest ancestor until
 * that directory exists; no polling), and again after the bus restarts. */
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

static void disconnect(struct fcrd_bus *b) {
        for (size_t i = 0; i < sizeof(b->slots) / sizeof(b->slots[0]); i++)
                b->slots[i] = sd_bus_slot_unref(b->slots[i]);
        if (b->bus) {
                sd_bus_detach_event(b->bus);
                b->bus = sd_bus_flush_close_unref(b->bus);
        }
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct fcrd_bus *b = userdata;

        fcrd_log(LOG_NOTICE, "the system bus went away; waiting for it to come back");
        disconnect(b);
        watch_for_bus(b);
        return 0;
}

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
                r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r >= 0)
                r = sd_bus_attach_event(bus, b->m->event, 0);
        if (r < 0) {
                b->bus = bus;
                disconnect(b);
                return r;
        }
        b->bus = bus;
        fcrd_log(LOG_INFO, "serving " BUS_NAME " on the system bus");
        return 0;
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
        if (access(b->socket_path, F_OK) == 0 && try_connect(b) >= 0)
                stop_watching(b);
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
        if (try_connect(b) < 0) {
                fcrd_log(LOG_INFO, "no system bus yet (%s); serving it once it appears", b->socket_path);
                watch_for_bus(b);
        }
        *ret = b;
        return 0;
}

void fcrd_bus_free(struct fcrd_bus *b) {
        if (!b)
                return;
        disconnect(b);
        stop_watching(b);
        b->m->bus = NULL;
        b->m->on_change = NULL;
        free(b);
}
