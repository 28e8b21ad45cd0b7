/* Reading an ext4 superblock and what goes with it (the device's
 * identity, its loop file, whether it is mounted): the part of a probe
 * that fcreplay-hold runs for every ext4 uevent too, so no libblkid here
 * (probe.c has it, for devices udev has not typed). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <ext2fs/ext2fs.h>
#include "probe.h"

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

int fcrd_probe_superblock(const void *buf, size_t len, struct fcrd_probe *p) {
        struct ext2_super_block sb;
        const uint8_t *u = sb.s_uuid;

        if (len < sizeof(sb))
                return -EMEDIUMTYPE;
        memcpy(&sb, buf, sizeof(sb));
        if (ext2fs_le16_to_cpu(sb.s_magic) != EXT2_SUPER_MAGIC)
                return -EMEDIUMTYPE;
        p->ext4 = true;
        p->has_journal = ext2fs_le32_to_cpu(sb.s_feature_compat) & EXT3_FEATURE_COMPAT_HAS_JOURNAL;
        p->needs_recovery = p->has_journal &&
                            (ext2fs_le32_to_cpu(sb.s_feature_incompat) & EXT3_FEATURE_INCOMPAT_RECOVER);
        p->fast_commit = ext2fs_le32_to_cpu(sb.s_feature_compat) & EXT4_FEATURE_COMPAT_FAST_COMMIT;
        if (!p->uuid[0])
                snprintf(p->uuid, sizeof(p->uuid),
                         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
                         u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        if (!p->label[0])
                snprintf(p->label, sizeof(p->label), "%.*s", (int) sizeof(sb.s_volume_name),
                         (const char *) sb.s_volume_name);
        return 0;
}

/* What was read: the device's number and its disk's sequence number,
 * from the descriptor itself. */
static void identify(int fd, struct fcrd_probe *p) {
        struct stat st;

        if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode))
                p->devnum = st.st_rdev;
        /* ENOTTY before Linux 5.15: no number, then. */
        if (ioctl(fd, BLKGETDISKSEQ, &p->diskseq) < 0)
                p->diskseq = 0;
}

int fcrd_probe_ext4(const char *devnode, struct fcrd_probe *p) {
        uint8_t sb[SUPERBLOCK_SIZE];
        int fd, mflags = 0;

        /* The superblock's own bits decide, not libblkid's summary. */
        fd = open(devnode, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (pread(fd, sb, sizeof(sb), SUPERBLOCK_OFFSET) != (ssize_t) sizeof(sb)) {
                close(fd);
                return -EIO;
        }
        identify(fd, p);
        close(fd);
        /* No ext4 after all (udev's word was older than the disk's). */
        if (fcrd_probe_superblock(sb, sizeof(sb), p) < 0) {
                *p = (struct fcrd_probe) { .devnum = p->devnum, .diskseq = p->diskseq };
                return 0;
        }
        fcrd_loop_backing(devnode, p->backing, sizeof(p->backing));
        if (ext2fs_check_if_mounted(devnode, &mflags) == 0)
                p->mounted = mflags & EXT2_MF_MOUNTED;
        return 0;
}
