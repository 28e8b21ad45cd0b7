/* CREAT (tag 3): a new inode gets its first name; a new directory also
 * gets '.' and '..'. */
#include "tag_common.h"

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        struct fcr_dentry e;

        if (!fcr_dentry_parse(v, len, 0, &e))
                return -EINVAL;
        return c->ops->add_entry(c, e.parent, e.ino, e.name, e.name_len, true);
}

FCR_TAG_PLUGIN(3, "CREAT", dentry_validate, replay, dentry_describe);
