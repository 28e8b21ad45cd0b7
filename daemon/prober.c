#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "child.h"
#include "message.h"
#include "prober.h"

enum { REQUEST = 'Q' };

struct request {
        struct request *next;
        char node[PATH_MAX];
        unsigned flags, limit_sec;
        bool sent;                      /* to the child running now */
        fcrd_probe_done_fn done;
        void *userdata;
};

struct fcrd_prober {
        sd_event *event;
        struct fcrd_child *child;
        struct request *head, *tail;    /* the head is the child's work */
        unsigned n;
        bool once;                      /* freed after its one request */
        struct fcrd_prober *next_once;  /* the one-shot probers pending */
};

static struct fcrd_prober *once_list;

/* In the child: one answer per request, in order, until the daemon's
 * end closes. */
static int serve(int fd, void *arg) {
        static uint8_t buf[FCRD_PACKET_MAX];
        char node[PATH_MAX];

        for (;;) {
                struct fcrd_probe p = {};
                struct fcrd_msg_in in;
                ssize_t n = fcrd_child_read(fd, buf, sizeof(buf));
                uint64_t flags;
                uint8_t type;
                int r;

                if (n <= 0)
                        return 0;
                if (fcrd_msg_begin(&in, buf, n, &type) < 0 || type != REQUEST)
                        return 1;
                flags = fcrd_msg_get_u64(&in);
                fcrd_msg_get_str(&in, node, sizeof(node));
                if (fcrd_msg_end(&in) < 0)
                        return 1;
                r = fcrd_probe_device(node, flags, &p);
                n = fcrd_probe_encode(r, &p, buf, sizeof(buf));
                if (n < 0 || fcrd_child_write(fd, buf, n) < 0)
                        return 1;
        }
}

static void child_message(struct fcrd_child *c, const void *buf, size_t len, void *userdata);
static void child_timeout(struct fcrd_child *c, void *userdata);
static void child_ended(struct fcrd_child *c, int status, void *userdata);

static const struct fcrd_child_ops ops = {
        .message = child_message, .timeout = child_timeout, .ended = child_ended,
};

static int send_request(struct fcrd_prober *pr, struct request *q) {
        struct fcrd_msg_out m;
        int r;

        fcrd_msg_start(&m, REQUEST);
        fcrd_msg_put_u64(&m, q->flags);
        fcrd_msg_put_str(&m, q->node, sizeof(q->node) - 1);
        r = m.err ? m.err : fcrd_child_send(pr->child, m.buf, m.len);
        q->sent = r >= 0;
        return r;
}

/* Send what the child has not been sent yet, in order, as far as its
 * socket takes them (the rest goes as answers come back); the head's
 * limit runs from when it was sent. */
static int flush(struct fcrd_prober *pr) {
        bool head_sent = pr->head && pr->head->sent;
        int r = 0;

        for (struct request *q = pr->head; q && r >= 0; q = q->next)
                if (!q->sent) {
                        r = send_request(pr, q);
                        if (r == -EAGAIN)
                                return 0;
                }
        if (r >= 0 && !head_sent && pr->head && pr->head->sent)
                r = fcrd_child_set_limit(pr->child, pr->head->limit_sec);
        return r;
}

/* A child for the queue, sent what its socket takes, the head's limit
 * running. */
static int start_child(struct fcrd_prober *pr) {
        int r = fcrd_child_spawn(pr->event, serve, NULL, &ops, pr, &pr->child);

        if (r >= 0)
                r = flush(pr);
        if (r < 0 && pr->child) {
                fcrd_child_abandon(pr->child, true);
                pr->child = NULL;
        }
        return r;
}

static void answer_head(struct fcrd_prober *pr, int r, const struct fcrd_probe *p);

/* After a child was lost: the rest go to a new one, and each failure to
 * start one answers the head. */
static void restart(struct fcrd_prober *pr) {
        int r;

        while (pr->head && (r = start_child(pr)) < 0)
                answer_head(pr, r, NULL);
}

/* The head is answered: the next one's limit runs from now; with no
 * request left, the child is let go (it exits at the end of input). */
static void answer_head(struct fcrd_prober *pr, int r, const struct fcrd_probe *p) {
        struct request *q = pr->head;

        pr->head = q->next;
        if (!pr->head)
                pr->tail = NULL;
        pr->n--;
        if (pr->child && pr->head && pr->head->sent)
                (void) fcrd_child_set_limit(pr->child, pr->head->limit_sec);
        if (pr->child && pr->head)
                (void) flush(pr);       /* a failure ends the child: child_ended sends again */
        if (pr->child && !pr->head) {
                fcrd_child_abandon(pr->child, false);
                pr->child = NULL;
        }
        q->done(r, q->node, r >= 0 ? p : NULL, q->userdata);
        free(q);
        if (pr->once)
                fcrd_prober_free(pr);
}

static void child_message(struct fcrd_child *c, const void *buf, size_t len, void *userdata) {
        struct fcrd_prober *pr = userdata;
        struct fcrd_probe p;
        int r;

        if (!pr->head)
                return;
        if (fcrd_probe_decode(buf, len, &r, &p) < 0)
                r = -EBADMSG;
        answer_head(pr, r, &p);
}

/* The head's device hangs: answered now; the child, stuck in the kernel
 * perhaps, is reaped when it can be, and the rest go to a new one. */
static void child_timeout(struct fcrd_child *c, void *userdata) {
        struct fcrd_prober *pr = userdata;
        bool once = pr->once;

        fcrd_child_abandon(c, true);
        pr->child = NULL;
        for (struct request *q = pr->head; q; q = q->next)
                q->sent = false;
        answer_head(pr, -ETIME, NULL);
        if (!once)
                restart(pr);
}

/* Ended with requests unanswered (it crashed): the head was its undoing. */
static void child_ended(struct fcrd_child *c, int status, void *userdata) {
        struct fcrd_prober *pr = userdata;
        bool once = pr->once;

        pr->child = NULL;
        if (!pr->head)
                return;
        for (struct request *q = pr->head; q; q = q->next)
                q->sent = false;
        answer_head(pr, -EIO, NULL);
        if (!once)
                restart(pr);
}

int fcrd_prober_new(sd_event *e, struct fcrd_prober **ret) {
        struct fcrd_prober *pr = calloc(1, sizeof(*pr));

        if (!pr)
                return -ENOMEM;
        pr->event = e;
        *ret = pr;
        return 0;
}

int fcrd_prober_submit(struct fcrd_prober *pr, const char *node, unsigned flags, unsigned limit_sec,
                       fcrd_probe_done_fn done, void *userdata) {
        struct request *q;

        if (strlen(node) >= sizeof(q->node))
                return -ENAMETOOLONG;
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        snprintf(q->node, sizeof(q->node), "%s", node);
        q->flags = flags;
        q->limit_sec = limit_sec;
        q->done = done;
        q->userdata = userdata;
        if (pr->tail)
                pr->tail->next = q;
        else
                pr->head = q;
        pr->tail = q;
        pr->n++;
        if (!pr->child) {
                /* The queue was empty: q is the only request. */
                int r = start_child(pr);

                if (r < 0) {
                        pr->head = pr->tail = NULL;
                        pr->n = 0;
                        free(q);
                        return r;
                }
                return 0;
        }
        /* A child that cannot be told ends: child_ended sends it again. */
        (void) flush(pr);
        return 0;
}

unsigned fcrd_prober_pending(const struct fcrd_prober *pr) {
        return pr->n;
}

void fcrd_prober_free(struct fcrd_prober *pr) {
        if (!pr)
                return;
        for (struct fcrd_prober **p = &once_list; *p; p = &(*p)->next_once)
                if (*p == pr) {
                        *p = pr->next_once;
                        break;
                }
        if (pr->child)
                fcrd_child_abandon(pr->child, true);
        while (pr->head) {
                struct request *q = pr->head;

                pr->head = q->next;
                free(q);
        }
        free(pr);
}

int fcrd_probe_start(sd_event *e, const char *node, unsigned flags, unsigned limit_sec, fcrd_probe_done_fn done,
                     void *userdata) {
        struct fcrd_prober *pr;
        int r = fcrd_prober_new(e, &pr);

        if (r < 0)
                return r;
        pr->once = true;
        r = fcrd_prober_submit(pr, node, flags, limit_sec, done, userdata);
        if (r < 0) {
                free(pr);
                return r;
        }
        pr->next_once = once_list;
        once_list = pr;
        return 0;
}

void fcrd_probes_cancel(void) {
        while (once_list)
                answer_head(once_list, -ECANCELED, NULL);
}
