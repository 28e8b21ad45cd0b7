/* jbd2 on-disk format: block types, feature bits and field offsets.
 * libext2fs-dev does not install kernel-jbd.h, so the project keeps its
 * own definitions.  All jbd2 fields are big-endian. */
#pragma once

#define JBD2_MAGIC              0xC03B3998U

enum {
        JBD2_DESCRIPTOR_BLOCK = 1,
        JBD2_COMMIT_BLOCK     = 2,
        JBD2_SUPERBLOCK_V1    = 3,
        JBD2_SUPERBLOCK_V2    = 4,
        JBD2_REVOKE_BLOCK     = 5,
};

/* Common block header. */
#define JBD2_H_MAGIC            0x00
#define JBD2_H_BLOCKTYPE        0x04
#define JBD2_H_SEQUENCE         0x08
#define JBD2_HEADER_SIZE        12

/* Journal superblock fields. */
#define JSB_BLOCKSIZE           0x0C
#define JSB_MAXLEN              0x10
#define JSB_FIRST               0x14
#define JSB_SEQUENCE            0x18
#define JSB_START               0x1C
#define JSB_ERRNO               0x20
#define JSB_FEATURE_COMPAT      0x24
#define JSB_FEATURE_INCOMPAT    0x28
#define JSB_FEATURE_RO_COMPAT   0x2C
#define JSB_UUID                0x30
#define JSB_NR_USERS            0x40
#define JSB_MAX_TRANSACTION     0x48
#define JSB_CHECKSUM_TYPE       0x50
#define JSB_NUM_FC_BLKS         0x54
#define JSB_CHECKSUM            0xFC
#define JSB_USERS               0x100
#define JSB_SIZE                1024
#define JBD2_USERS_MAX          48      /* 16-byte UUIDs at JSB_USERS */

#define JBD2_FEATURE_COMPAT_CHECKSUM            0x1
#define JBD2_FEATURE_INCOMPAT_REVOKE            0x1
#define JBD2_FEATURE_INCOMPAT_64BIT             0x2
#define JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT      0x4
#define JBD2_FEATURE_INCOMPAT_CSUM_V2           0x8
#define JBD2_FEATURE_INCOMPAT_CSUM_V3           0x10
#define JBD2_FEATURE_INCOMPAT_FAST_COMMIT       0x20
#define JBD2_KNOWN_COMPAT       JBD2_FEATURE_COMPAT_CHECKSUM
#define JBD2_KNOWN_INCOMPAT     0x3FU
#define JBD2_KNOWN_RO_COMPAT    0U

#define JBD2_CRC32C_CHKSUM      4
#define JBD2_DEFAULT_FC_BLOCKS  256
#define JBD2_MIN_JOURNAL_BLOCKS 1024

/* Descriptor block tag flags. */
#define JBD2_FLAG_ESCAPE        0x1
#define JBD2_FLAG_SAME_UUID     0x2
#define JBD2_FLAG_DELETED       0x4
#define JBD2_FLAG_LAST_TAG      0x8

/* Commit block. */
#define JBD2_COMMIT_CHKSUM_TYPE 0x0C
#define JBD2_COMMIT_CHKSUM_SIZE 0x0D
#define JBD2_COMMIT_CHKSUM      0x10
#define JBD2_COMMIT_SEC         0x30
#define JBD2_COMMIT_NSEC        0x38
#define JBD2_CRC32_CHKSUM       1
#define JBD2_CRC32_CHKSUM_SIZE  4

/* Revoke block: header then be32 r_count (bytes used, header included). */
#define JBD2_REVOKE_COUNT       0x0C
#define JBD2_REVOKE_HEADER_SIZE 16

/* v2/v3 descriptor and revoke blocks end with a be32 checksum tail. */
#define JBD2_TAIL_SIZE          4
