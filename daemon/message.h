/* The one framing of the daemon's child processes (child.h): a message
 * is one SOCK_SEQPACKET packet, read whole, made of a type byte and
 * fields in the daemon's byte order (both ends are the same program).
 * Each child's module owns its messages, and their parse function: the
 * worker (worker.h), the probe (prober.h) and Inspect (inspect.h).  A
 * parser never trusts a message: a short, long or unterminated one is
 * -EBADMSG. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define FCRD_PACKET_MAX 65536      /* bytes in one message, at most */

struct fcrd_msg_out {
        uint8_t buf[FCRD_PACKET_MAX];
        size_t len;
        int err;                /* -EMSGSIZE once something did not fit */
};

struct fcrd_msg_in {
        const uint8_t *p;
        size_t left;
        int err;                /* -EBADMSG once something was missing */
};

void fcrd_msg_start(struct fcrd_msg_out *m, uint8_t type);
void fcrd_msg_put_u64(struct fcrd_msg_out *m, uint64_t v);
/* A string, NUL-terminated; cut at max bytes (and at a newline: messages
 * end up in log lines). */
void fcrd_msg_put_str(struct fcrd_msg_out *m, const char *s, size_t max);
/* Raw bytes, the rest of the message. */
void fcrd_msg_put_bytes(struct fcrd_msg_out *m, const void *p, size_t n);

/* The message copied out to buf (len bytes): its length, or a negative
 * errno (what did not fit). */
int fcrd_msg_copy(const struct fcrd_msg_out *m, void *buf, size_t len);

/* The type byte; the fields follow in order. */
int fcrd_msg_begin(struct fcrd_msg_in *m, const void *buf, size_t len, uint8_t *ret_type);
uint64_t fcrd_msg_get_u64(struct fcrd_msg_in *m);
/* A string into dst (len bytes, NUL-terminated): -EBADMSG (in m->err)
 * unless it is terminated within the message and fits. */
void fcrd_msg_get_str(struct fcrd_msg_in *m, char *dst, size_t len);
/* 0 when every field was there and nothing is left over. */
int fcrd_msg_end(const struct fcrd_msg_in *m);
/* The rest of the message, raw (its length in *ret_len). */
const void *fcrd_msg_get_rest(struct fcrd_msg_in *m, size_t *ret_len);
