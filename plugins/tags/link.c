/* LINK (tag 4): one more name for an existing inode. */
#include "tag_common.h"

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->add_entry(c, le32(v), le32(v + 4), (const char *) v + DENTRY_HDR, len - DENTRY_HDR, false);
}

FCR_TAG_PLUGIN(4, "LINK", dentry_validate, replay);
