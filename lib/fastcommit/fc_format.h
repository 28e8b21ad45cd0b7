/* ext4 fast-commit on-disk format.  Every field is little-endian and
 * unaligned: a tag is le16 tag, le16 len, then len bytes of value.  HEAD
 * features beyond the kernel's (none) are provided by tag plugins. */
#pragma once

enum {
        FC_TAG_ADD_RANGE = 1,
        FC_TAG_DEL_RANGE = 2,
        FC_TAG_CREAT     = 3,
        FC_TAG_LINK      = 4,
        FC_TAG_UNLINK    = 5,
        FC_TAG_INODE     = 6,
        FC_TAG_PAD       = 7,
        FC_TAG_TAIL      = 8,
        FC_TAG_HEAD      = 9,
        FC_TAG_MAX       = FC_TAG_HEAD,
};

#define FC_TAG_HDR_LEN          4
/* The framing, HEAD, TAIL and PAD, is the scan's, as it is the kernel's
 * (fs/ext4/fast_commit.c scans it itself): no plugin handles it.  Every
 * other tag changes the filesystem and is its plugin's. */
static inline int fc_tag_is_framing(unsigned tag) {
        return tag == FC_TAG_HEAD || tag == FC_TAG_TAIL || tag == FC_TAG_PAD;
}
#define FC_HEAD_LEN             8       /* le32 features, le32 tid */
#define FC_TAIL_LEN             8       /* le32 tid, le32 crc (then padding) */
