/* What the tag plugins share (header-only: each plugin is its own shared
 * object).  Fast-commit values are little-endian and unaligned: read them
 * through <fcreplay/bytes.h>. */
#pragma once
#include <errno.h>
#include <stdint.h>
#include <fcreplay/bytes.h>
#include <fcreplay/plugin.h>

/* An inode number this filesystem can hold (inodes_count 0: unknown). */
static inline bool ino_valid(const struct fcr_fs_geometry *g, uint32_t ino) {
        return ino != 0 && (!g->inodes_count || ino <= g->inodes_count);
}

/* CREAT, LINK and UNLINK share their value's format. */
static inline int dentry_validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        struct fcr_dentry e;

        return fcr_dentry_parse(v, len, g->inodes_count, &e) ? 0 : -EINVAL;
}

static inline int dentry_describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len,
                                  struct fcr_tag_describer *w) {
        struct fcr_dentry e;

        if (!fcr_dentry_parse(v, len, 0, &e))
                return -EINVAL;
        w->num(w, "parent", e.parent);
        w->num(w, "ino", e.ino);
        w->str(w, "name", e.name, e.name_len);
        w->text(w, "dir %u, ino %u, name '%.*s'", e.parent, e.ino, (int) e.name_len, e.name);
        return 0;
}

/* A kernel tag's descriptor: number, name and functions. */
#define FCR_TAG_PLUGIN(num, nm, validate_fn, replay_fn, describe_fn, ...) \
        const struct fcr_tag_plugin fcr_tag_plugin = {                  \
                FCR_TAG_PLUGIN_HEADER,                                  \
                .tag = (num),                                           \
                .name = (nm),                                           \
                .validate = (validate_fn),                              \
                .replay = (replay_fn),                                  \
                .describe = (describe_fn),                              \
                __VA_ARGS__                                             \
        }
