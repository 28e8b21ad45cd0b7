#include <errno.h>
#include <string.h>
#include "message.h"

static void put(struct fcrd_msg_out *m, const void *p, size_t n) {
        if (m->err || n > sizeof(m->buf) - m->len) {
                m->err = -EMSGSIZE;
                return;
        }
        memcpy(m->buf + m->len, p, n);
        m->len += n;
}

void fcrd_msg_start(struct fcrd_msg_out *m, uint8_t type) {
        m->len = 0;
        m->err = 0;
        put(m, &type, 1);
}

void fcrd_msg_put_u64(struct fcrd_msg_out *m, uint64_t v) {
        put(m, &v, sizeof(v));
}

void fcrd_msg_put_str(struct fcrd_msg_out *m, const char *s, size_t max) {
        /* The bytes as they are (a label from the disk included): a
         * packet frames them, and each printer escapes what it shows. */
        size_t n = strnlen(s, max);

        put(m, s, n);
        put(m, "", 1);
}

void fcrd_msg_put_bytes(struct fcrd_msg_out *m, const void *p, size_t n) {
        put(m, p, n);
}

int fcrd_msg_copy(const struct fcrd_msg_out *m, void *buf, size_t len) {
        if (m->err)
                return m->err;
        if (m->len > len)
                return -EMSGSIZE;
        memcpy(buf, m->buf, m->len);
        return (int) m->len;
}

int fcrd_msg_begin(struct fcrd_msg_in *m, const void *buf, size_t len, uint8_t *ret_type) {
        *m = (struct fcrd_msg_in) { .p = buf, .left = len };
        if (len < 1)
                return m->err = -EBADMSG;
        *ret_type = m->p[0];
        m->p++;
        m->left--;
        return 0;
}

uint64_t fcrd_msg_get_u64(struct fcrd_msg_in *m) {
        uint64_t v = 0;

        if (m->err || m->left < sizeof(v)) {
                m->err = -EBADMSG;
                return 0;
        }
        memcpy(&v, m->p, sizeof(v));
        m->p += sizeof(v);
        m->left -= sizeof(v);
        return v;
}

void fcrd_msg_get_str(struct fcrd_msg_in *m, char *dst, size_t len) {
        const uint8_t *nul = m->err ? NULL : memchr(m->p, '\0', m->left);
        size_t n = nul ? (size_t) (nul - m->p) : 0;

        dst[0] = '\0';
        if (!nul || n >= len) {
                m->err = -EBADMSG;
                return;
        }
        memcpy(dst, m->p, n + 1);
        m->p += n + 1;
        m->left -= n + 1;
}

int fcrd_msg_end(const struct fcrd_msg_in *m) {
        return m->err ? m->err : m->left ? -EBADMSG : 0;
}

const void *fcrd_msg_get_rest(struct fcrd_msg_in *m, size_t *ret_len) {
        const void *p = m->p;

        *ret_len = m->err ? 0 : m->left;
        m->p += *ret_len;
        m->left -= *ret_len;
        return p;
}
