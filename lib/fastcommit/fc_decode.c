#include <string.h>
#include "bytes.h"
#include "fc_decode.h"
#include "fc_format.h"

void fc_tag_decode(const struct fc_tag *t, struct fc_tag_info *ret) {
        const uint8_t *v = t->value;
        struct fc_tag_info i = {};

        switch (t->tag) {
        case FC_TAG_ADD_RANGE: {
                uint16_t ee_len = get_le16(v + 8);

                i.ino = get_le32(v);
                i.lblk = get_le32(v + 4);
                i.unwritten = ee_len > FC_EXT_INIT_MAX_LEN;
                i.len = i.unwritten ? ee_len - FC_EXT_INIT_MAX_LEN : ee_len;
                i.pblk = ((uint64_t) get_le16(v + 10) << 32) | get_le32(v + 12);
                break;
        }
        case FC_TAG_DEL_RANGE:
                i.ino = get_le32(v);
                i.lblk = get_le32(v + 4);
                i.len = get_le32(v + 8);
                break;
        case FC_TAG_CREAT:
        case FC_TAG_LINK:
        case FC_TAG_UNLINK:
                i.parent = get_le32(v);
                i.ino = get_le32(v + 4);
                memcpy(i.name, v + FC_DENTRY_HDR_LEN, t->len - FC_DENTRY_HDR_LEN);
                i.name[t->len - FC_DENTRY_HDR_LEN] = '\0';
                break;
        case FC_TAG_INODE: {
                const uint8_t *raw = v + FC_INODE_HDR_LEN;

                i.ino = get_le32(v);
                i.raw_size = t->len - FC_INODE_HDR_LEN;
                i.mode = get_le16(raw + 0x00);
                i.links = get_le16(raw + 0x1A);
                i.size = get_le32(raw + 0x04) | ((uint64_t) get_le32(raw + 0x6C) << 32);
                break;
        }
        case FC_TAG_HEAD:
                i.features = get_le32(v);
                i.tid = get_le32(v + 4);
                break;
        case FC_TAG_TAIL:
                i.tid = get_le32(v);
                i.crc = get_le32(v + 4);
                break;
        }
        *ret = i;
}
