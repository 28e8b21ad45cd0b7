/* Helpers shared by the tag plugins (header-only: each plugin is its own
 * shared object).  Fast-commit values are little-endian and unaligned. */
#pragma once
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <fcreplay/plugin.h>

static inline uint16_t le16(const uint8_t *p) { return (uint16_t) (p[0] | (p[1] << 8)); }
static inline uint32_t le32(const uint8_t *p) {
        return p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* CREAT, LINK and UNLINK: le32 parent, le32 ino, then 1..255 name bytes
 * that a directory entry can hold (no NUL, no '/'). */
#define DENTRY_HDR 8
static inline int dentry_validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        unsigned name_len = len > DENTRY_HDR ? len - DENTRY_HDR : 0;
        uint32_t parent, ino;

        if (len <= DENTRY_HDR || name_len > 255)
                return -EINVAL;
        parent = le32(v);
        ino = le32(v + 4);
        if (parent == 0 || ino == 0 || (g->inodes_count && (parent > g->inodes_count || ino > g->inodes_count)))
                return -EINVAL;
        if (memchr(v + DENTRY_HDR, '\0', name_len) || memchr(v + DENTRY_HDR, '/', name_len))
                return -EINVAL;
        return 0;
}

#define FCR_TAG_PLUGIN(num, nm, validate_fn, replay_fn)                 \
        const struct fcr_tag_plugin fcr_tag_plugin = {                  \
                .abi_version = FCR_TAG_ABI_VERSION,                     \
                .tag = (num),                                           \
                .name = (nm),                                           \
                .validate = (validate_fn),                              \
                .replay = (replay_fn),                                  \
        }
