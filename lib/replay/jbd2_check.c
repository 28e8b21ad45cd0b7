#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>
#include "io/overlay.h"
#include "jbd2_check.h"
#include "system_zone.h"
#include <fcreplay/util.h>

static int cmp_run(const void *a, const void *b) {
        const struct fcr_journal_run *x = a, *y = b;

        return x->pblk < y->pblk ? -1 : x->pblk > y->pblk;
}

/* An internal journal's blocks, by filesystem block. */
static const struct fcr_journal_run *journal_run(const struct fcr_journal_run *v, size_t n, uint64_t b) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v[mid].pblk + v[mid].len <= b)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && v[lo].pblk <= b ? &v[lo] : NULL;
}

static int check_not_journal(const struct fcr_journal *j, const struct jbd2_plan *p, struct fcr_diag *d) {
        _cleanup_free_ struct fcr_journal_run *v = NULL;

        if (!j->runs || !j->nr_runs)
                return 0;               /* an external journal: not in this filesystem */
        v = malloc(j->nr_runs * sizeof(*v));
        if (!v)
                return -ENOMEM;
        memcpy(v, j->runs, j->nr_runs * sizeof(*v));
        qsort(v, j->nr_runs, sizeof(*v), cmp_run);
        for (size_t i = 0; i < p->nr_writes; i++)
                if (journal_run(v, j->nr_runs, p->writes[i].fs_block))
                        return fcr_fail(d, -EUCLEAN, "journal transaction %u logs filesystem block %llu, a block of "
                                        "the journal itself", p->writes[i].tid,
                                        (unsigned long long) p->writes[i].fs_block);
        return 0;
}

/* Index of the primary descriptor block b, or -1. */
static long desc_index(ext2_filsys fs, uint64_t b) {
        for (dgrp_t i = 0; i < fs->desc_blocks; i++)
                if (ext2fs_descriptor_block_loc2(fs, fs->super->s_first_data_block, i) == b)
                        return (long) i;
        return -1;
}

struct view {
        ext2_filsys fs;                 /* the replayed superblock and descriptors */
        struct fcr_overlay *ov;
        const struct jbd2_write *sb_write;
};

static void view_done(struct view *v) {
        fcr_fs_close_nowrite(&v->fs);
        fcr_overlay_free(v->ov);
}

/* The superblock and descriptor blocks the plan writes, over the device. */
static int view_open(ext2_filsys fs, struct fcr_journal *j, const struct jbd2_plan *p, uint8_t *buf,
                     struct view *v, struct fcr_diag *d) {
        uint64_t sb_block = SUPERBLOCK_OFFSET / fs->blocksize;
        errcode_t e;
        int r = fcr_overlay_new(fs->io, fs->blocksize, &v->ov);

        for (size_t i = 0; r >= 0 && i < p->nr_writes; i++) {
                const struct jbd2_write *w = &p->writes[i];

                if (w->fs_block != sb_block && desc_index(fs, w->fs_block) < 0)
                        continue;
                if (w->fs_block == sb_block)
                        v->sb_write = w;
                r = jbd2_plan_read(j, p, w, buf, d);
                if (r >= 0)
                        r = fcr_overlay_preload(v->ov, w->fs_block, buf);
        }
        if (r < 0)
                return r;
        e = ext2fs_open2(fcr_overlay_name(v->ov), NULL, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_SUPER_ONLY,
                         0, 0, fcr_overlay_manager(), &v->fs);
        if (e)
                return fcr_fail(d, -EUCLEAN, "the superblock journal transaction %u logs does not open: %s",
                                v->sb_write ? v->sb_write->tid : 0, error_message(e));
        return 0;
}

/* The logged superblock is this filesystem's, with its geometry. */
static int check_super(ext2_filsys fs, const struct view *v, struct fcr_diag *d) {
        struct ext2_super_block *a = fs->super, *b = v->fs->super;
        blk64_t have = 0;

        if (!v->sb_write)
                return 0;
        if (ext2fs_get_device_size2(fs->device_name, fs->blocksize, &have) == 0 && ext2fs_blocks_count(b) > have)
                return fcr_fail(d, -EUCLEAN, "the superblock journal transaction %u logs counts %llu blocks, but "
                                "the device holds %llu", v->sb_write->tid,
                                (unsigned long long) ext2fs_blocks_count(b), (unsigned long long) have);
        if (a->s_log_block_size != b->s_log_block_size || a->s_first_data_block != b->s_first_data_block ||
            a->s_blocks_per_group != b->s_blocks_per_group || a->s_inodes_per_group != b->s_inodes_per_group ||
            memcmp(a->s_uuid, b->s_uuid, sizeof(a->s_uuid)) || a->s_inode_size != b->s_inode_size ||
            ext2fs_blocks_count(b) < ext2fs_blocks_count(a))
                return fcr_fail(d, -EUCLEAN, "the superblock journal transaction %u logs is not this filesystem's: "
                                "its UUID, block size, group sizes, inode size or block count differ",
                                v->sb_write->tid);
        return 0;
}

static int check_descriptors(ext2_filsys fs, const struct jbd2_plan *p, const struct view *v, struct fcr_diag *d) {
        dgrp_t per = EXT2_DESC_PER_BLOCK(v->fs->super);

        if (!ext2fs_has_group_desc_csum(v->fs))
                return 0;
        for (size_t i = 0; i < p->nr_writes; i++) {
                long idx = desc_index(fs, p->writes[i].fs_block);

                for (dgrp_t g = idx < 0 ? 0 : (dgrp_t) idx * per; idx >= 0 && g < (dgrp_t) (idx + 1) * per &&
                     g < v->fs->group_desc_count; g++)
                        if (!ext2fs_group_desc_csum_verify(v->fs, g))
                                return fcr_fail(d, -EUCLEAN, "journal transaction %u logs group descriptor block "
                                                "%llu, and the descriptor of group %u there fails its checksum",
                                                p->writes[i].tid, (unsigned long long) p->writes[i].fs_block, g);
        }
        return 0;
}

/* An inode table block: every inode below the group's unused mark. */
static bool inodes_ok(ext2_filsys fs, const struct fcr_zone_range *z, uint64_t b, const uint8_t *buf,
                      uint32_t *ret_ino) {
        unsigned isz = EXT2_INODE_SIZE(fs->super), per = fs->blocksize / isz;
        uint32_t ipg = fs->super->s_inodes_per_group, used = ipg;
        uint32_t first = (uint32_t) (b - z->start) * per;

        if (ext2fs_has_group_desc_csum(fs)) {
                if (ext2fs_bg_flags_test(fs, z->group, EXT2_BG_INODE_UNINIT))
                        return true;
                used = ipg - ext2fs_bg_itable_unused(fs, z->group);
        }
        for (uint32_t i = 0; i < per && first + i < used; i++) {
                *ret_ino = z->group * ipg + first + i + 1;
                if (!ext2fs_inode_csum_verify(fs, *ret_ino, (struct ext2_inode_large *) (buf + (size_t) i * isz)))
                        return false;
        }
        return true;
}

/* With metadata_csum: a logged bitmap or inode table block holds what
 * its checksums, in the replayed descriptor, say. */
static int check_one(const struct view *v, const struct fcr_zone_range *z, const struct jbd2_write *w,
                     const uint8_t *buf, struct fcr_diag *d) {
        ext2_filsys fs = v->fs;
        uint32_t ino = 0;
        bool ok = true;

        if (z->kind == FCR_ZONE_BLOCK_BITMAP && !ext2fs_bg_flags_test(fs, z->group, EXT2_BG_BLOCK_UNINIT))
                ok = ext2fs_block_bitmap_csum_verify(fs, z->group, (char *) buf, EXT2_CLUSTERS_PER_GROUP(fs->super) / 8);
        else if (z->kind == FCR_ZONE_INODE_BITMAP && !ext2fs_bg_flags_test(fs, z->group, EXT2_BG_INODE_UNINIT))
                ok = ext2fs_inode_bitmap_csum_verify(fs, z->group, (char *) buf, EXT2_INODES_PER_GROUP(fs->super) / 8);
        else if (z->kind == FCR_ZONE_INODE_TABLE)
                ok = inodes_ok(fs, z, w->fs_block, buf, &ino);
        if (ok)
                return 0;
        if (ino)
                return fcr_fail(d, -EUCLEAN, "journal transaction %u logs inode table block %llu, and inode %u "
                                "there fails its checksum", w->tid, (unsigned long long) w->fs_block, ino);
        return fcr_fail(d, -EUCLEAN, "journal transaction %u logs block %llu, %s of group %u, and it fails the "
                        "checksum its group descriptor holds", w->tid, (unsigned long long) w->fs_block,
                        fcr_zone_kind_str(z->kind), z->group);
}

static int check_checksummed(struct fcr_journal *j, const struct jbd2_plan *p, const struct view *v, uint8_t *buf,
                             struct fcr_diag *d) {
        struct fcr_system_zone z = {};
        char why[256];
        int r;

        if (!ext2fs_has_feature_metadata_csum(v->fs->super))
                return 0;
        r = fcr_system_zone_build(v->fs, &z, why, sizeof(why));
        if (r < 0)
                return r == -ENOMEM ? r : fcr_fail(d, r, "after the journal replay, %s", why);
        for (size_t i = 0; r >= 0 && i < p->nr_writes; i++) {
                const struct jbd2_write *w = &p->writes[i];
                const struct fcr_zone_range *zr = fcr_system_zone_find(&z, w->fs_block, 1);

                if (!zr || (zr->kind != FCR_ZONE_BLOCK_BITMAP && zr->kind != FCR_ZONE_INODE_BITMAP &&
                            zr->kind != FCR_ZONE_INODE_TABLE))
                        continue;
                r = jbd2_plan_read(j, p, w, buf, d);
                if (r >= 0)
                        r = check_one(v, zr, w, buf, d);
        }
        fcr_system_zone_done(&z);
        return r;
}

int fcr_jbd2_check_plan(ext2_filsys fs, struct fcr_journal *j, const struct jbd2_plan *p, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *buf = NULL;
        struct view v = {};
        int r;

        if (p->nr_writes == 0)
                return 0;
        r = check_not_journal(j, p, d);
        if (r < 0)
                return r;
        buf = malloc(fs->blocksize);
        if (!buf)
                return -ENOMEM;
        r = view_open(fs, j, p, buf, &v, d);
        if (r >= 0)
                r = check_super(fs, &v, d);
        if (r >= 0)
                r = check_descriptors(fs, p, &v, d);
        if (r >= 0)
                r = check_checksummed(j, p, &v, buf, d);
        view_done(&v);
        return r;
}
