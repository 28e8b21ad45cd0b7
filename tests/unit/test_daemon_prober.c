/* fcreplayd's probe child (prober.c, on child.c): answers in order, one
 * child for a batch, a request past its limit answered -ETIME without
 * holding up the rest, and a queue longer than the socket takes.  A
 * FIFO with no writer stands in for a device that hangs (opening it
 * blocks), so no root is needed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>
#include <fcreplay/util.h>
#include "prober.h"
#include "unit.h"

#define MANY 600

static sd_event *event;
static char *dir;
static int answers[MANY + 1];
static unsigned n_answers, order_errors;
static uint64_t answered_usec[MANY + 1];

static void setup(void) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        ck_assert_int_ge(sd_event_new(&event), 0);
        dir = unit_mkdtemp();
        n_answers = order_errors = 0;
}

static void teardown(void) {
        sd_event_unref(event);
        unit_rmtree(dir);
        free(dir);
}

static void done(int r, const char *node, const struct fcrd_probe *p, void *userdata) {
        unsigned i = (unsigned) (uintptr_t) userdata;

        if (i != n_answers)
                order_errors++;
        answers[n_answers] = r;
        answered_usec[n_answers++] = fcr_now_usec(CLOCK_MONOTONIC);
}

static void run_until(unsigned n, unsigned limit_sec) {
        uint64_t end = fcr_now_usec(CLOCK_MONOTONIC) + (uint64_t) limit_sec * 1000000;

        while (n_answers < n && fcr_now_usec(CLOCK_MONOTONIC) < end)
                ck_assert_int_ge(sd_event_run(event, 100000), 0);
}

START_TEST(answers_in_order_beyond_the_socket) {
        struct fcrd_prober *pr;
        char node[256];

        ck_assert_int_eq(fcrd_prober_new(event, &pr), 0);
        for (unsigned i = 0; i < MANY; i++) {
                snprintf(node, sizeof(node), "%s/none-%u", dir, i);
                ck_assert_int_eq(fcrd_prober_submit(pr, node, 0, 10, done, (void *) (uintptr_t) i), 0);
        }
        ck_assert_uint_eq(fcrd_prober_pending(pr), MANY);
        run_until(MANY, 60);
        ck_assert_uint_eq(n_answers, MANY);
        ck_assert_uint_eq(order_errors, 0);
        for (unsigned i = 0; i < MANY; i++)
                ck_assert_int_eq(answers[i], -ENOENT);
        ck_assert_uint_eq(fcrd_prober_pending(pr), 0);
        fcrd_prober_free(pr);
}
END_TEST

START_TEST(a_hang_costs_its_own_limit) {
        struct fcrd_prober *pr;
        char fifo[256], node[256];
        uint64_t start;

        snprintf(fifo, sizeof(fifo), "%s/hangs", dir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        snprintf(node, sizeof(node), "%s/none", dir);
        ck_assert_int_eq(fcrd_prober_new(event, &pr), 0);
        start = fcr_now_usec(CLOCK_MONOTONIC);
        /* Taken as an ext4 udev named: opened (and so hanging) at once. */
        ck_assert_int_eq(fcrd_prober_submit(pr, fifo, FCRD_PROBE_EXT4_KNOWN, 1, done, (void *) 0), 0);
        ck_assert_int_eq(fcrd_prober_submit(pr, node, 0, 1, done, (void *) 1), 0);
        ck_assert_int_eq(fcrd_prober_submit(pr, fifo, FCRD_PROBE_EXT4_KNOWN, 1, done, (void *) 2), 0);
        ck_assert_int_eq(fcrd_prober_submit(pr, node, 0, 1, done, (void *) 3), 0);
        run_until(4, 20);
        ck_assert_uint_eq(n_answers, 4);
        ck_assert_uint_eq(order_errors, 0);
        ck_assert_int_eq(answers[0], -ETIME);
        ck_assert_int_eq(answers[1], -ENOENT);
        ck_assert_int_eq(answers[2], -ETIME);
        ck_assert_int_eq(answers[3], -ENOENT);
        /* Each hang its limit (1 s), the rest at once. */
        ck_assert_uint_ge(answered_usec[0] - start, 900000);
        ck_assert_uint_lt(answered_usec[3] - start, 8000000);
        fcrd_prober_free(pr);
}
END_TEST

START_TEST(one_shot) {
        char node[256];

        snprintf(node, sizeof(node), "%s/none", dir);
        ck_assert_int_eq(fcrd_probe_start(event, node, 0, 5, done, (void *) 0), 0);
        run_until(1, 20);
        ck_assert_uint_eq(n_answers, 1);
        ck_assert_int_eq(answers[0], -ENOENT);
        /* Cancelled: answered at once, -ECANCELED. */
        ck_assert_int_eq(fcrd_probe_start(event, node, 0, 5, done, (void *) 1), 0);
        fcrd_probes_cancel();
        ck_assert_uint_eq(n_answers, 2);
        ck_assert_int_eq(answers[1], -ECANCELED);
}
END_TEST

int main(void) {
        Suite *s = suite_create("daemon_prober");
        TCase *tc = tcase_create("prober");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 90);
        tcase_add_test(tc, answers_in_order_beyond_the_socket);
        tcase_add_test(tc, a_hang_costs_its_own_limit);
        tcase_add_test(tc, one_shot);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
