/* Unaligned big- and little-endian field access for on-disk structures,
 * shared by the engine and the tag plugins (header-only).  jbd2 is
 * big-endian, ext4 and fast commits are little-endian; reading through
 * these helpers keeps the parsers free of alignment traps. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t get_be16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t) ((b[0] << 8) | b[1]);
}
static inline uint32_t get_be32(const void *p) {
        const uint8_t *b = p;
        return ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
}
static inline uint64_t get_be64(const void *p) {
        return ((uint64_t) get_be32(p) << 32) | get_be32((const uint8_t *) p + 4);
}
static inline void put_be32(void *p, uint32_t v) {
        uint8_t *b = p;
        b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}
static inline uint16_t get_le16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t) (b[0] | (b[1] << 8));
}
static inline uint32_t get_le32(const void *p) {
        const uint8_t *b = p;
        return b[0] | ((uint32_t) b[1] << 8) | ((uint32_t) b[2] << 16) | ((uint32_t) b[3] << 24);
}
static inline void put_le16(void *p, uint16_t v) {
        uint8_t *b = p;
        b[0] = v; b[1] = v >> 8;
}
static inline void put_le32(void *p, uint32_t v) {
        uint8_t *b = p;
        b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24;
}

/* jbd2 transaction ids wrap around: compare them as the kernel does. */
static inline int tid_gt(uint32_t x, uint32_t y) { return (int32_t) (x - y) > 0; }
static inline int tid_geq(uint32_t x, uint32_t y) { return (int32_t) (x - y) >= 0; }

/* A directory entry's name as the fast-commit dentry tags (CREAT, LINK,
 * UNLINK) carry it: le32 parent, le32 ino, then 1..255 bytes that a
 * directory entry can hold (no NUL, no '/'). */
#define FCR_DENTRY_HDR_LEN 8
#define FCR_NAME_MAX 255

struct fcr_dentry {
        uint32_t parent, ino;
        const char *name;               /* not NUL-terminated */
        unsigned name_len;
};

/* Whether name (len bytes) can be a directory entry's name. */
static inline bool fcr_dentry_name_valid(const char *name, unsigned len) {
        return len >= 1 && len <= FCR_NAME_MAX && !memchr(name, '\0', len) && !memchr(name, '/', len);
}

/* Whether value (len bytes) is such an entry, with both inode numbers in
 * 1..inodes_count (0: not checked); fills *ret when it is. */
static inline bool fcr_dentry_parse(const uint8_t *v, uint16_t len, uint32_t inodes_count, struct fcr_dentry *ret) {
        struct fcr_dentry e;

        if (len <= FCR_DENTRY_HDR_LEN)
                return false;
        e.parent = get_le32(v);
        e.ino = get_le32(v + 4);
        e.name = (const char *) v + FCR_DENTRY_HDR_LEN;
        e.name_len = len - FCR_DENTRY_HDR_LEN;
        if (e.parent == 0 || e.ino == 0 || (inodes_count && (e.parent > inodes_count || e.ino > inodes_count)))
                return false;
        if (!fcr_dentry_name_valid(e.name, e.name_len))
                return false;
        *ret = e;
        return true;
}
