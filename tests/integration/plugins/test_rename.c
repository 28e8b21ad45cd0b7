/* A tag the kernel does not define, for the tests only (never
 * installed): RENAME (tag 100), announced by HEAD feature bit 31.  Value:
 * le32 dir, le32 ino, u8 length of the old name, the old name, the new
 * name.  Replayed as the new name added and the old one removed. */
#include <errno.h>
#include <fcreplay/bytes.h>
#include <fcreplay/plugin.h>

#define HDR 9

struct rename {
        uint32_t dir, ino;
        const char *old_name, *new_name;
        unsigned old_len, new_len;
};

static bool parse(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct rename *ret) {
        struct rename x;

        if (len <= HDR || v[8] == 0 || v[8] >= len - HDR)
                return false;
        x.dir = get_le32(v);
        x.ino = get_le32(v + 4);
        x.old_name = (const char *) v + HDR;
        x.old_len = v[8];
        x.new_name = x.old_name + x.old_len;
        x.new_len = len - HDR - x.old_len;
        if (x.dir == 0 || x.ino == 0 || (g->inodes_count && (x.dir > g->inodes_count || x.ino > g->inodes_count)))
                return false;
        if (!fcr_dentry_name_valid(x.old_name, x.old_len) || !fcr_dentry_name_valid(x.new_name, x.new_len))
                return false;
        *ret = x;
        return true;
}

static int validate(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len) {
        struct rename x;

        return parse(g, v, len, &x) ? 0 : -EINVAL;
}

static int describe(const struct fcr_fs_geometry *g, const uint8_t *v, uint16_t len, struct fcr_tag_describer *w) {
        struct rename x;

        if (!parse(g, v, len, &x))
                return -EINVAL;
        w->num(w, "parent", x.dir);
        w->num(w, "ino", x.ino);
        w->str(w, "old_name", x.old_name, x.old_len);
        w->str(w, "name", x.new_name, x.new_len);
        w->text(w, "dir %u, ino %u: '%.*s' -> '%.*s'", x.dir, x.ino, (int) x.old_len, x.old_name,
                (int) x.new_len, x.new_name);
        return 0;
}

static int replay(struct fcr_replay_ctx *c, const uint8_t *v, uint16_t len) {
        struct rename x;
        int r;

        if (!parse(c->geom, v, len, &x))
                return -EINVAL;
        r = c->ops->add_entry(c, x.dir, x.ino, x.new_name, x.new_len, false);
        if (r < 0)
                return r;
        return c->ops->remove_entry(c, x.dir, x.ino, x.old_name, x.old_len);
}

const struct fcr_tag_plugin fcr_tag_plugin = {
        FCR_TAG_PLUGIN_HEADER,
        .tag = 100,
        .name = "RENAME",
        .validate = validate,
        .replay = replay,
        .head_feature = 1u << 31,
        .describe = describe,
};
