#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/sysmacros.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "fs_open.h"
#include "journal_io.h"

/* The device opened is the one the caller probed: same device number,
 * same disk (a loop device detached and attached to another file keeps
 * its number, not its sequence number). */
static int check_device(const struct fcr_device *dev, const struct fcr_expect *want, struct fcr_diag *d) {
        dev_t got = S_ISBLK(dev->st.st_mode) ? dev->st.st_rdev : 0;

        if (want->devnum && got != want->devnum)
                return fcr_fail(d, -ESTALE, "%s is device %u:%u, not the %u:%u that was probed; nothing written",
                                dev->path, major(got), minor(got), major(want->devnum), minor(want->devnum));
        if (want->diskseq && dev->diskseq != want->diskseq)
                return fcr_fail(d, -ESTALE, "%s holds another disk than the one probed (disk sequence number %" PRIu64
                                ", probed %" PRIu64 "); nothing written", dev->path, dev->diskseq, want->diskseq);
        return 0;
}

static int check_uuid(const struct fcr_device *dev, ext2_filsys fs, const struct fcr_expect *want,
                      struct fcr_diag *d) {
        char got[37];

        if (!want->uuid)
                return 0;
        fcr_uuid_str(fs->super->s_uuid, got);
        if (strcasecmp(got, want->uuid) != 0)
                return fcr_fail(d, -ESTALE, "%s holds the filesystem with UUID %s, not the %s that was probed; "
                                "nothing written", dev->path, got, want->uuid);
        return 0;
}

/* A device or image shorter than its filesystem (a truncated image, a
 * shrunk partition) cannot be opened, as the kernel refuses to mount it:
 * a replay could not be checked against what is missing. */
static int check_size(const struct fcr_device *dev, ext2_filsys fs, struct fcr_diag *d) {
        uint64_t have = dev->size / fs->blocksize;

        if (have < ext2fs_blocks_count(fs->super))
                return fcr_fail(d, -EMEDIUMTYPE, "cannot open the filesystem of %s: the device holds %" PRIu64
                                " blocks, but its filesystem has %llu", dev->path, have,
                                (unsigned long long) ext2fs_blocks_count(fs->super));
        return 0;
}

/* The descriptor the journal inode is found through is verified as
 * ext2fs_open2() would have, had it read them all (SUPER_ONLY). */
static int check_journal_group(const struct fcr_device *dev, ext2_filsys fs, struct fcr_diag *d) {
        ext2_ino_t ino = fs->super->s_journal_inum;
        /* An impossible journal inode is the journal code's to judge. */
        dgrp_t g = ino && ino <= fs->super->s_inodes_count ? ext2fs_group_of_ino(fs, ino) : 0;

        if (ext2fs_group_desc(fs, NULL, g) && ext2fs_group_desc_csum_verify(fs, g))
                return 0;
        return fcr_fail(d, -EMEDIUMTYPE, "cannot open the filesystem of %s: group descriptor %u is unreadable or "
                        "fails its checksum", dev->path, g);
}

static int open_ext2fs(const struct fcr_device *dev, io_manager io, ext2_filsys *ret, struct fcr_diag *d) {
        /* SUPER_ONLY: no read of every group descriptor; the replay reads
         * and verifies those of the groups it touches (groups.c). */
        int flags = EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_SUPER_ONLY | (dev->rw ? EXT2_FLAG_RW : 0);
        errcode_t e = fcr_device_ext2fs_open(dev, flags, io, ret);
        int r = fcr_errcode_to_errno(e);

        if (!e)
                return 0;
        /* One rule: a filesystem that cannot be opened, whatever is wrong
         * with it (magic, superblock, group descriptors, features), is
         * "cannot open" (exit 3); refusals (exit 2) judge the journal. */
        if (r == -EUCLEAN)
                return fcr_fail(d, -EMEDIUMTYPE, "cannot open the filesystem of %s: %s", dev->path, error_message(e));
        return fcr_fail(d, r, "cannot open %s%s: %s", dev->path, dev->rw ? " for writing" : "", error_message(e));
}

int fcr_fs_open(const char *path, bool rw, io_manager io, const struct fcr_expect *want,
                struct fcr_device *ret_dev, ext2_filsys *ret_fs, struct fcr_diag *d) {
        static const struct fcr_expect any = {};
        struct fcr_device dev;
        ext2_filsys fs = NULL;
        int r;

        want = want ? want : &any;
        r = fcr_device_open(path, rw, &dev, d);
        if (r < 0)
                return r;
        r = check_device(&dev, want, d);
        if (r >= 0)
                r = open_ext2fs(&dev, io, &fs, d);
        if (r >= 0)
                r = check_uuid(&dev, fs, want, d);
        if (r >= 0)
                r = check_journal_group(&dev, fs, d);
        if (r >= 0)
                r = check_size(&dev, fs, d);
        if (r < 0) {
                fcr_fs_close_nowrite(&fs);
                fcr_device_close(&dev);
                return r;
        }
        *ret_dev = dev;
        *ret_fs = fs;
        return 0;
}

int fcr_fs_recheck(const struct fcr_device *dev, ext2_filsys fs, struct fcr_diag *d) {
        int r = fcr_device_recheck(dev, d);

        if (r < 0)
                return r;
        /* As read at open, byte for byte (libext2fs keeps that copy). */
        return fcr_device_unchanged(dev, SUPERBLOCK_OFFSET, fs->orig_super, SUPERBLOCK_SIZE, "the superblock", d);
}
