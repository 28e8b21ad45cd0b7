/* ext4 fast-commit on-disk format.  Every field is little-endian and
 * unaligned: a tag is le16 tag, le16 len, then len bytes of value. */
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
#define FC_ADD_RANGE_LEN        16      /* le32 ino + struct ext4_extent */
#define FC_DEL_RANGE_LEN        12      /* le32 ino, le32 lblk, le32 len */
#define FC_DENTRY_HDR_LEN       8       /* le32 parent ino, le32 ino, then the name */
#define FC_INODE_HDR_LEN        4       /* le32 ino, then the raw inode */
#define FC_HEAD_LEN             8       /* le32 features, le32 tid */
#define FC_TAIL_LEN             8       /* le32 tid, le32 crc */
#define FC_NAME_MAX             255
#define FC_GOOD_OLD_INODE_SIZE  128
#define FC_EXT_INIT_MAX_LEN     32768   /* ee_len above this: unwritten */

/* HEAD feature bits this replayer understands: none so far. */
#define FC_SUPPORTED_FEATURES   0U
