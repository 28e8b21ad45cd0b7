/* CREAT (tag 3): a new inode gets its first name; a new directory also
 * gets '.' and '..'. */
#include "tag_common.h"

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        return c->ops->add_entry(c, le32(v), le32(v + 4), (const char *) v + DENTRY_HDR, len - DENTRY_HDR, true);
}

FCR_TAG_PLUGIN(3, "CREAT", dentry_validate, replay);
