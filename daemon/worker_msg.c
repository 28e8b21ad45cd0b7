#include <errno.h>
#include <string.h>
#include "message.h"
#include "worker.h"

int fcrd_worker_encode(const struct fcrd_worker_msg *m, void *buf, size_t len) {
        struct fcrd_msg_out o;

        fcrd_msg_start(&o, m->type);
        switch (m->type) {
        case FCRD_WORKER_PROGRESS:
                fcrd_msg_put_u64(&o, m->done);
                fcrd_msg_put_u64(&o, m->total);
                break;
        case FCRD_WORKER_WRITING:
                fcrd_msg_put_u64(&o, m->total);
                break;
        case FCRD_WORKER_RESULT:
                fcrd_msg_put_u64(&o, m->result);
                fcrd_msg_put_u64(&o, (uint64_t) m->tags);
                fcrd_msg_put_str(&o, m->text, sizeof(m->text) - 1);
                break;
        case FCRD_WORKER_GO:
                break;
        default:
                return -EINVAL;
        }
        return fcrd_msg_copy(&o, buf, len);
}

int fcrd_worker_parse(const void *buf, size_t len, struct fcrd_worker_msg *ret) {
        struct fcrd_worker_msg m = {};
        struct fcrd_msg_in in;
        uint8_t type;
        uint64_t res;
        int r;

        r = fcrd_msg_begin(&in, buf, len, &type);
        if (r < 0)
                return r;
        m.type = type;
        switch (type) {
        case FCRD_WORKER_PROGRESS:
                m.done = fcrd_msg_get_u64(&in);
                m.total = fcrd_msg_get_u64(&in);
                break;
        case FCRD_WORKER_WRITING:
                m.total = fcrd_msg_get_u64(&in);
                break;
        case FCRD_WORKER_RESULT:
                res = fcrd_msg_get_u64(&in);
                m.tags = (int64_t) fcrd_msg_get_u64(&in);
                fcrd_msg_get_str(&in, m.text, sizeof(m.text));
                /* Only what a worker reports: how it was stopped is the daemon's. */
                if (!fcrd_result_is_reported(res))
                        return -EBADMSG;
                m.result = res;
                break;
        case FCRD_WORKER_GO:
                break;
        default:
                return -EBADMSG;
        }
        r = fcrd_msg_end(&in);
        if (r < 0)
                return r;
        if (m.type == FCRD_WORKER_PROGRESS && m.done > m.total)
                return -EBADMSG;
        *ret = m;
        return 0;
}
