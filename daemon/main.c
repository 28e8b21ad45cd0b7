/* fcreplayd: replays every ext4 device with a pending journal before
 * anything mounts it, then keeps watching for devices that appear. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <fcreplay/exit_codes.h>
#include "args.h"
#include "bus/bus.h"
#include "daemon_config.h"
#include "discover.h"
#include "hold.h"
#include "log.h"
#include "manager.h"
#include "mounts.h"

static void usage(FILE *f) {
        fprintf(f,
                "Usage: fcreplayd [--config PATH]\n"
                "\n"
                "Replay the journal of every ext4 block device that needs recovery, before\n"
                "it is mounted, and keep watching for new devices.  Runs as the systemd\n"
                "service fcreplayd.service (Type=notify).\n"
                "\n"
                "  -c, --config PATH  configuration file (default: $FCREPLAYD_CONFIG or\n"
                "                     " SYSCONFDIR "/fcreplay/fcreplayd.conf); a file named\n"
                "                     here or in $FCREPLAYD_CONFIG must exist\n"
                "  -t, --check-config check the configuration (with the kernel command\n"
                "                     line, the plugins and the allocator), print the\n"
                "                     effective settings and exit\n"
                "  -v, --verbose      log debug messages too (each device looked at and\n"
                "                     why it was left alone; also $FCREPLAYD_DEBUG=1)\n"
                "  -h, --help         show this help\n"
                "  -V, --version      show the version\n"
                "\n"
                "SIGHUP reloads the configuration (a bad file keeps the old one).\n"
                "Exit status: 0 stopped; 3 operational error; 64 bad command line or\n"
                "configuration.  See fcreplayd(8) and fcreplayd.conf(5).\n");
}

struct ctx {
        struct fcrd_manager *m;
        const char *config_path;
        bool had_file;                  /* the file existed at start */
};

/* Parse, apply the kernel command line, and check what will be used;
 * with load_plugins, load them too (see fcrd_config_verify()). */
static int load_config(const char *path, bool load_plugins, struct fcrd_config *ret, struct fcr_diag *d) {
        struct fcrd_config c;
        int r = fcrd_config_load(path, &c, d);

        if (r < 0)
                return r;
        r = fcrd_config_verify(&c, load_plugins, d);
        if (r < 0) {
                fcrd_config_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct ctx *c = userdata;
        struct fcrd_config cfg;
        struct fcr_diag d = {};

        sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration");
        /* A file that vanished is not a request for the defaults. */
        if (c->had_file && access(c->config_path, F_OK) < 0)
                fcrd_log(LOG_ERR, "reload failed, keeping the old configuration: cannot read %s: %m",
                         c->config_path);
        else if (load_config(c->config_path, true, &cfg, &d) < 0) {
                fcrd_log(LOG_ERR, "reload failed, keeping the old configuration: %s", d.msg);
        } else {
                fcrd_manager_set_config(c->m, &cfg);
                fcrd_hold_configure(&c->m->config);
                fcrd_log(LOG_NOTICE, "configuration reloaded from %s: allocator %s", c->config_path,
                         fcrd_config_allocator(&c->m->config));
        }
        fcrd_manager_notify_status(c->m, "READY=1\n");
        return 0;
}

static int on_mounts(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        fcrd_manager_mounts_changed(userdata);
        return 0;
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        fcrd_log(LOG_INFO, "stopping");
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* Watch signals, the bus, devices and mounts, and run until told to
 * stop. */
static int run(struct ctx *c, struct fcrd_discover **disc, struct fcrd_bus **bus, sd_event_source **mounts) {
        struct fcrd_manager *m = c->m;
        const char *no_auto = fcrd_config_no_auto_replay(&m->config);
        sigset_t mask;
        int r;

        /* A replay child that died must not take us with it on write(). */
        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&m->event);
        if (r >= 0)
                r = fcrd_manager_init(m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_hup, c);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGTERM, on_term, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_term, NULL);
        if (r < 0)
                return r;
        fcrd_log(LOG_INFO, "starting: allocator %s, %u replay(s) at once, time limit %u s%s%s%s",
                 fcrd_config_allocator(&m->config), m->config.parallel, m->config.timeout_sec,
                 no_auto ? ", automatic replay off by " : "", no_auto ? no_auto : "", m->config.dry_run ? ", dry run" : "");
        sd_notify(false, "STATUS=Looking for ext4 devices that need recovery");
        /* Before discovery: from here on a device is either in the initial
         * pass or held by udev until we release it. */
        fcrd_hold_start(&m->config);
        /* The bus, if there is one yet: boot work never waits for it. */
        r = fcrd_bus_start(m, bus);
        if (r >= 0)
                r = fcrd_discover_start(m, disc);
        /* Mounts and unmounts change what a device is. */
        if (r >= 0)
                r = fcrd_mounts_watch(m->event, on_mounts, m, mounts);
        if (r >= 0)
                r = sd_event_loop(m->event);
        return r;
}

int main(int argc, char **argv) {
        struct fcrd_manager m = {};
        struct fcrd_discover *disc = NULL;
        struct fcrd_bus *bus = NULL;
        sd_event_source *mounts = NULL;
        struct ctx c = { .m = &m };
        struct fcrd_args a;
        struct fcr_diag d = {};
        char why[256];
        int r;

        if (getenv("FCREPLAYD_DEBUG"))
                fcrd_log_set_max_level(LOG_DEBUG);
        if (fcrd_args_parse(argc, argv, &a, why, sizeof(why)) < 0) {
                fprintf(stderr, "fcreplayd: %s\n", why);
                usage(stderr);
                return FCR_EXIT_USAGE;
        }
        if (a.help || a.version) {
                if (a.help)
                        usage(stdout);
                else
                        printf("fcreplayd %s\n", PACKAGE_VERSION);
                return FCR_EXIT_CLEAN;
        }
        if (a.verbose)
                fcrd_log_set_max_level(LOG_DEBUG);
        c.config_path = a.config ? a.config : fcrd_config_path();
        c.had_file = access(c.config_path, F_OK) == 0;
        r = load_config(c.config_path, a.check_only, &m.config, &d);
        if (r < 0) {
                fcrd_event(LOG_ERR, FCRD_MSG_CONFIG, &(struct fcrd_fields) { .tags = -1 }, "%s", d.msg);
                sd_notifyf(false, "ERRNO=%d\nSTATUS=Bad configuration: %s", -r, d.msg);
                return FCR_EXIT_USAGE;
        }
        if (a.check_only) {
                printf("# %s: ok%s; effective settings:\n", c.config_path, c.had_file ? "" : " (missing: defaults)");
                fcrd_config_print(stdout, &m.config);
                fcrd_config_done(&m.config);
                return FCR_EXIT_CLEAN;
        }
        r = run(&c, &disc, &bus, &mounts);
        if (r < 0) {
                fcrd_log(LOG_ERR, "fatal: %s", strerror(-r));
                sd_notifyf(false, "ERRNO=%d\nSTATUS=Failed: %s", -r, strerror(-r));
        }
        /* Nothing held any more from here on: stopping replays brings
         * change events (their close). */
        fcrd_hold_stop();
        sd_event_source_disable_unref(mounts);
        fcrd_discover_free(disc);
        fcrd_manager_stop(&m);
        fcrd_bus_free(bus);
        fcrd_manager_free(&m);
        /* Only now: a device being written must not be mounted yet. */
        fcrd_hold_release_all();
        sd_event_unref(m.event);
        return r < 0 ? FCR_EXIT_FAILED : FCR_EXIT_CLEAN;
}
