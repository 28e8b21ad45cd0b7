#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <blkid/blkid.h>
#include <ext2fs/ext2fs.h>
#include "probe.h"

static void copy_value(blkid_probe pr, const char *name, char *dst, size_t len) {
        const char *v = NULL;

        if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
                snprintf(dst, len, "%s", v);
}

void fcrd_loop_backing(const char *devnode, char *dst, size_t len) {
        const char *name = strrchr(devnode, '/');
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "/sys/class/block/%s/loop/backing_file", name ? name + 1 : devnode);
        f = fopen(path, "re");
        if (!f)
                return;
        if (fgets(dst, len, f))
                dst[strcspn(dst, "\n")] = '\0';
        fclose(f);
}

int fcrd_probe_device(const char *devnode, struct fcrd_probe *ret) {
        struct fcrd_probe p = {};
        struct ext2_super_block sb;
        const char *type = NULL;
        blkid_probe pr;
        int fd, r, mflags = 0;

        pr = blkid_new_probe_from_filename(devnode);
        if (!pr)
                return errno ? -errno : -EIO;
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
        r = blkid_do_safeprobe(pr);
        if (r == -1) {
                /* A read error, not "nothing found" (1) or "ambivalent" (-2). */
                blkid_free_probe(pr);
                return -EIO;
        }
        if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
                p.ext4 = type && (!strcmp(type, "ext4") || !strcmp(type, "ext3"));
        if (p.ext4) {
                copy_value(pr, "UUID", p.uuid, sizeof(p.uuid));
                copy_value(pr, "LABEL", p.label, sizeof(p.label));
        }
        blkid_free_probe(pr);
        if (!p.ext4) {
                *ret = p;
                return 0;
        }
        /* The superblock's own bits decide, not libblkid's summary. */
        fd = open(devnode, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (pread(fd, &sb, sizeof(sb), SUPERBLOCK_OFFSET) != (ssize_t) sizeof(sb)) {
                close(fd);
                return -EIO;
        }
        close(fd);
        p.has_journal = ext2fs_le32_to_cpu(sb.s_feature_compat) & EXT3_FEATURE_COMPAT_HAS_JOURNAL;
        p.needs_recovery = p.has_journal && (ext2fs_le32_to_cpu(sb.s_feature_incompat) & EXT3_FEATURE_INCOMPAT_RECOVER);
        p.fast_commit = ext2fs_le32_to_cpu(sb.s_feature_compat) & EXT4_FEATURE_COMPAT_FAST_COMMIT;
        fcrd_loop_backing(devnode, p.backing, sizeof(p.backing));
        if (ext2fs_check_if_mounted(devnode, &mflags) == 0)
                p.mounted = mflags & EXT2_MF_MOUNTED;
        *ret = p;
        return 0;
}
