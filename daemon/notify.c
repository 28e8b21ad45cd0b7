/* What systemd is told (sd_notify): STATUS= lines, READY=1 (sent by
 * manager.c with the status) and EXTEND_TIMEOUT_USEC= while a replay
 * runs, so that a long replay at start is not taken for a hang. */
#include <systemd/sd-daemon.h>
#include "job.h"
#include "manager.h"

/* STATUS= when nothing new starts: what still runs, or an idle line, so
 * that systemctl status never shows a replay that has ended. */
void fcrd_manager_notify_status(struct fcrd_manager *m, const char *prefix) {
        const char *no_auto = fcrd_config_no_auto_replay(&m->config);

        if (m->running)
                sd_notifyf(false, "%sSTATUS=Replaying %u device(s)", prefix, m->running);
        else
                /* Shows why dirty devices were left alone. */
                sd_notifyf(false, "%sSTATUS=Idle: %zu device(s) known; watching for more%s%s", prefix, m->n_devices,
                           no_auto ? "; automatic replay off by " : "", no_auto ? no_auto : "");
}

/* Planning may take the whole limit, and the worker a little more to go. */
void fcrd_notify_planning(struct fcrd_manager *m, const char *node) {
        sd_notifyf(false, "STATUS=Replaying %s: planning\nEXTEND_TIMEOUT_USEC=%llu", node,
                   (fcrd_config_child_limit(&m->config) + 5) * 1000000ULL);
}

void fcrd_notify_writing(struct fcrd_manager *m, const char *node, uint64_t done, uint64_t total) {
        sd_notifyf(false, "STATUS=Replaying %s: writing %llu/%llu blocks\nEXTEND_TIMEOUT_USEC=%llu", node,
                   (unsigned long long) done, (unsigned long long) total,
                   fcrd_config_child_limit(&m->config) * 1000000ULL);
}
