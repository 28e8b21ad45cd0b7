/* fcreplay plugin ABI.
 *
 * Two kinds of plugin are loaded with dlopen():
 *
 *   tag plugins        $(plugindir)/tags/<name>.so, one per fast-commit tag;
 *                      export `const struct fcr_tag_plugin fcr_tag_plugin`.
 *   allocator plugins  $(plugindir)/alloc/<name>.so, the block allocation
 *                      policy used during replay; export
 *                      `const struct fcr_alloc_plugin fcr_alloc_plugin`.
 *
 * A tag plugin is the one owner of its tag: it validates a value, decodes
 * and describes it (text and named fields), names the blocks it claims,
 * and replays it.  The framing of the log is the engine's, as it is the
 * kernel's: HEAD (features and tid), TAIL (tid and CRC) and PAD are
 * decoded, described and never replayed by the scan itself, and a plugin
 * that claims one of their tags (7, 8, 9) is refused.  (That refusal is
 * the ABI's only change since fcreplay 0.1.0, whose head.so, tail.so and
 * pad.so it names; the descriptor and the services are unchanged, so the
 * version stays 2.)
 *
 * Versions.  abi_version is the major version: the engine refuses a
 * plugin whose version differs from its own.  Both descriptors also carry
 * struct_size, sizeof() of the descriptor as the plugin was built:
 * members are only ever added at the end, so an older plugin (a smaller
 * size) loads, its missing optional members read as absent, and a newer
 * one (a larger size) loads with the members this engine does not know
 * ignored.  Members up to `fini` are the minimum size.  Tags: name,
 * validate and replay are required, everything else is optional
 * (FCR_TAG_PLUGIN_HAS tells whether a descriptor has a member at all);
 * allocators: name and alloc are required.
 *
 * New tags.  A tag number the kernel does not define (above 9) must come
 * with the HEAD feature bit that announces it (head_feature, one bit):
 * the scan accepts a HEAD only when every feature bit it carries is
 * provided by a loaded plugin, and a new tag only when its plugin's bit
 * is in the HEAD, as the kernel would gate a new tag.
 *
 * Plugins never write to the device: everything they change goes through
 * the replay view in the context, and the engine commits it atomically.
 * Functions return 0 (or a positive value where documented) on success and
 * a negative errno on failure.  A tag plugin's failure aborts the replay of
 * the whole device; nothing is written. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#define FCR_TAG_ABI_VERSION     2
#define FCR_ALLOC_ABI_VERSION   2
#define FCR_TAG_PLUGIN_SYMBOL   "fcr_tag_plugin"
#define FCR_ALLOC_PLUGIN_SYMBOL "fcr_alloc_plugin"

/* What a plugin may need to know of the filesystem. */
struct fcr_fs_geometry {
        uint32_t block_size;
        uint32_t inode_size;
        uint32_t cluster_ratio;         /* blocks per cluster (bigalloc), else 1 */
        uint64_t blocks_count;
        uint32_t inodes_count;
        uint64_t first_data_block;
        uint32_t blocks_per_group;
        uint32_t inodes_per_group;
        uint32_t group_count;
};

struct fcr_replay_ctx;

/* Services the engine offers to tag plugins.  Each records what it
 * changes (modified inodes, freed and allocated blocks) so that bitmaps,
 * counters and checksums are made right at the end. */
struct fcr_replay_ops {
        /* Replace inode ino with the logged raw inode (raw_len bytes). */
        int (*inode_replay)(struct fcr_replay_ctx *c, uint32_t ino, const uint8_t *raw, uint32_t raw_len);
        /* Map lblk..lblk+len-1 of ino to pblk..; unwritten or written. */
        int (*map_range)(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len,
                         uint64_t pblk, bool unwritten);
        /* Unmap lblk..lblk+len-1 of ino and free what was mapped. */
        int (*unmap_range)(struct fcr_replay_ctx *c, uint32_t ino, uint32_t lblk, uint32_t len);
        /* Add the entry name -> ino to directory parent (already there:
         * no change).  create: a new inode (CREAT): also mark it in use
         * and give a new directory its '.' and '..'. */
        int (*add_entry)(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino,
                         const char *name, unsigned name_len, bool create);
        /* Remove the entry name -> ino from directory parent (already
         * gone: no change). */
        int (*remove_entry)(struct fcr_replay_ctx *c, uint32_t parent, uint32_t ino,
                            const char *name, unsigned name_len);
        /* Describe what the current tag did, for reports and dry runs. */
        void (*note)(struct fcr_replay_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct fcr_replay_ctx {
        uint32_t abi_version;
        ext2_filsys fs;                 /* libext2fs over the replay view */
        const struct fcr_fs_geometry *geom;
        const struct fcr_replay_ops *ops;
        void *engine;                   /* private to the engine */
};

/* Where a tag plugin describes one value: named fields (JSON keys,
 * snake_case) and one line of text for people.  The engine passes its
 * own; a plugin calls what it needs. */
struct fcr_tag_describer {
        void (*num)(struct fcr_tag_describer *w, const char *key, uint64_t v);
        void (*str)(struct fcr_tag_describer *w, const char *key, const char *v, size_t len);
        void (*flag)(struct fcr_tag_describer *w, const char *key, bool v);
        void (*text)(struct fcr_tag_describer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

/* Called by claims for each physical range a tag claims. */
typedef int (*fcr_claim_fn)(void *userdata, uint64_t start, uint64_t len);

struct fcr_tag_plugin {
        uint32_t abi_version;           /* FCR_TAG_ABI_VERSION */
        uint32_t struct_size;           /* sizeof(struct fcr_tag_plugin), as built */
        uint16_t tag;                   /* the fast-commit tag number it handles */
        const char *name;               /* e.g. "ADD_RANGE" */
        /* Required: is this value (len bytes) well-formed?  0 or -EINVAL.
         * Called by the scan, before anything is replayed. */
        int (*validate)(const struct fcr_fs_geometry *g, const uint8_t *value, uint16_t len);
        /* Required: replay one committed tag. */
        int (*replay)(struct fcr_replay_ctx *c, const uint8_t *value, uint16_t len);
        /* Optional: called once after loading / before unloading. */
        int (*init)(void);
        void (*fini)(void);
        /* --- Optional members; present when struct_size covers them. --- */
        /* The HEAD feature bit announcing this tag: required (one bit)
         * for a tag the kernel does not define, 0 for the kernel's. */
        uint32_t head_feature;
        /* Describe a validated value (inspect, dry runs, reports).
         * Without it a tag is shown by its name and length. */
        int (*describe)(const struct fcr_fs_geometry *g, const uint8_t *value, uint16_t len,
                        struct fcr_tag_describer *w);
        /* The physical blocks a validated value claims (ADD_RANGE's
         * extent): no block allocated during the replay may come from
         * them.  Without it a tag claims none. */
        int (*claims)(const struct fcr_fs_geometry *g, const uint8_t *value, uint16_t len, fcr_claim_fn claim,
                      void *userdata);
};

/* The minimum struct_size: everything up to fini. */
#define FCR_TAG_PLUGIN_MIN_SIZE (offsetof(struct fcr_tag_plugin, fini) + sizeof(void (*)(void)))
/* Whether descriptor p has member m at all (it may still be NULL). */
#define FCR_TAG_PLUGIN_HAS(p, m) \
        ((p)->struct_size >= offsetof(struct fcr_tag_plugin, m) + sizeof((p)->m))
/* The first two members of every tag descriptor. */
#define FCR_TAG_PLUGIN_HEADER .abi_version = FCR_TAG_ABI_VERSION, .struct_size = sizeof(struct fcr_tag_plugin)

struct fcr_alloc_ctx;

struct fcr_alloc_ops {
        /* First block in [start, end) that is free in the replay view, not
         * claimed by any ADD_RANGE of the valid log, and not taken during
         * this replay.  Returns 1 and sets *ret, 0 when there is none. */
        int (*find_free)(struct fcr_alloc_ctx *a, uint64_t start, uint64_t end, uint64_t *ret);
        /* The physical block mapped just before lblk in ino, if any:
         * returns 1 and sets *ret, else 0. */
        int (*neighbour)(struct fcr_alloc_ctx *a, uint32_t ino, uint64_t lblk, uint64_t *ret);
};

struct fcr_alloc_ctx {
        uint32_t abi_version;
        const struct fcr_fs_geometry *geom;
        const struct fcr_alloc_ops *ops;
        void *engine;                   /* private to the engine */
};

struct fcr_alloc_request {
        uint32_t ino;                   /* inode the block is for (0: none) */
        uint64_t lblk;                  /* logical block it serves, if known */
        uint64_t goal;                  /* libext2fs's suggestion (may be 0) */
};

struct fcr_alloc_plugin {
        uint32_t abi_version;           /* FCR_ALLOC_ABI_VERSION */
        uint32_t struct_size;           /* sizeof(struct fcr_alloc_plugin), as built */
        const char *name;               /* the name --allocator selects: the file's, NAME.so */
        const char *description;
        /* Required: choose a free block for req.  0 and *ret, or -ENOSPC. */
        int (*alloc)(struct fcr_alloc_ctx *a, const struct fcr_alloc_request *req, uint64_t *ret);
        int (*init)(void);              /* optional */
        void (*fini)(void);             /* optional */
        /* Later optional members go here; present when struct_size covers them. */
};

/* The minimum struct_size: everything up to fini. */
#define FCR_ALLOC_PLUGIN_MIN_SIZE (offsetof(struct fcr_alloc_plugin, fini) + sizeof(void (*)(void)))
/* The first two members of every allocator descriptor. */
#define FCR_ALLOC_PLUGIN_HEADER \
        .abi_version = FCR_ALLOC_ABI_VERSION, .struct_size = sizeof(struct fcr_alloc_plugin)
