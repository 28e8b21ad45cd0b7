/* UNLINK (tag 5): a name goes away. */
#include "tag_common.h"

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->remove_entry(c, le32(v), le32(v + 4), (const char *) v + DENTRY_HDR, len - DENTRY_HDR);
}

FCR_TAG_PLUGIN(5, "UNLINK", dentry_validate, replay);
