/* Opening the journal of a filesystem: its journal inode (or, damaged,
 * the superblock's backup of it), or its external journal device, found
 * by UUID or named, and checked to be this filesystem's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <blkid/blkid.h>
#include <et/com_err.h>
#include <fcreplay/util.h>
#include "fs_open.h"
#include "journal_io.h"
#include "journal/jbd2_super.h"
#include "journal/journal_backup.h"

/* Probe the devices afresh: a cache file (or a udev symlink) may still
 * name a device that has gone or changed since.  Two devices with the
 * journal's UUID (a cloned disk) are ambiguous: replaying through the
 * wrong one would empty it, so refuse and let the admin name it. */
static int find_by_uuid(const uint8_t uuid[16], char **ret, struct fcr_diag *d) {
        blkid_cache cache = NULL;
        blkid_dev_iterate it;
        blkid_dev dev;
        char str[37], list[256] = "";
        char *found = NULL;
        unsigned n = 0;

        fcr_uuid_str(uuid, str);
        if (blkid_get_cache(&cache, "/dev/null") < 0 || blkid_probe_all(cache) < 0) {
                blkid_put_cache(cache);
                return fcr_fail(d, -ENOMEM, "cannot probe block devices for the external journal");
        }
        it = blkid_dev_iterate_begin(cache);
        blkid_dev_set_search(it, (char *) "UUID", str);
        while (blkid_dev_next(it, &dev) == 0) {
                dev = blkid_verify(cache, dev);
                if (!dev)
                        continue;
                if (n++ == 0)
                        found = strdup(blkid_dev_devname(dev));
                size_t l = strlen(list);
                snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", blkid_dev_devname(dev));
        }
        blkid_dev_iterate_end(it);
        blkid_put_cache(cache);
        if (n == 0)
                return fcr_fail(d, -ENODEV, "external journal with UUID %s not found (pass --journal-dev)", str);
        if (n > 1) {
                free(found);
                return fcr_fail(d, -ENOTUNIQ, "%u devices carry the external journal's UUID %s (%s): "
                                "pass --journal-dev", n, str, list);
        }
        if (!found)
                return -ENOMEM;
        *ret = found;
        return 0;
}

/* The journal device is the one the filesystem names: a journal device
 * (journal_dev) with the UUID of s_journal_uuid. */
static int check_journal_dev(ext2_filsys fs, const char *path, ext2_filsys jfs, struct fcr_diag *d) {
        char want[37], got[37];

        fcr_uuid_str(fs->super->s_journal_uuid, want);
        fcr_uuid_str(jfs->super->s_uuid, got);
        if (!ext2fs_has_feature_journal_dev(jfs->super) || strcmp(got, want) != 0)
                return fcr_fail(d, -EUCLEAN, "%s is not the external journal of this filesystem "
                                "(wants UUID %s, found %s)", path, want, got);
        return 0;
}

/* The journal's user list holds this filesystem, as its one user (the
 * kernel mounts with one user only, mke2fs and tune2fs record it there).
 * A filesystem that names another's journal would replay that one's
 * transactions into itself, then empty them: refused. */
static int check_user(ext2_filsys fs, const char *path, const uint8_t *jsb, struct fcr_diag *d) {
        char me[37], jid[37], first[37] = "";
        const uint8_t *user;
        uint32_t nr;

        if (jbd2_super_owned_by(jsb, fs->super->s_uuid, &nr, &user))
                return 0;
        fcr_uuid_str(fs->super->s_uuid, me);
        fcr_uuid_str(fs->super->s_journal_uuid, jid);
        if (user)
                fcr_uuid_str(user, first);
        return fcr_fail(d, -EUCLEAN, "external journal %s (UUID %s) belongs to another filesystem: this "
                        "filesystem (UUID %s) is not among its users (%u user(s)%s%s%s)", path, jid, me, nr,
                        user ? ": " : "", first, nr > 1 ? ", ..." : "");
}

static int open_journal_fs(ext2_filsys fs, const struct fcr_device *dev, ext2_filsys *ret, struct fcr_diag *d) {
        int flags = EXT2_FLAG_JOURNAL_DEV_OK | EXT2_FLAG_64BITS | (dev->rw ? EXT2_FLAG_RW : 0);
        errcode_t e;
        int r;

        /* The filesystem's I/O manager: tests interpose on both. */
        e = fcr_device_ext2fs_open(dev, flags, fs->io->manager, ret);
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot open external journal %s: %s", dev->path,
                                error_message(e));
        r = check_journal_dev(fs, dev->path, *ret, d);
        if (r < 0)
                fcr_fs_close_nowrite(ret);
        return r;
}

/* The journal superblock sits in the block after the ext2 superblock:
 * block 1 with 4 KiB blocks, block 2 with 1 KiB.  As in the kernel, the
 * log's block numbers are the device's own: s_maxlen counts the whole
 * device and s_first lies past the journal superblock. */
static int map_external(ext2_filsys fs, struct fcr_journal *j, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *buf = NULL;
        errcode_t e;

        j->io = j->ext_fs->io;
        j->blocksize = j->ext_fs->blocksize;
        j->sb_block = 1024 / j->blocksize + 1;
        j->nblocks = ext2fs_blocks_count(j->ext_fs->super);
        buf = malloc(j->blocksize);
        if (!buf)
                return -ENOMEM;
        e = io_channel_read_blk64(j->io, j->sb_block, 1, buf);
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot read the journal superblock of %s: %s",
                                j->ext_path, error_message(e));
        return check_user(fs, j->ext_path, buf, d);
}

static int open_external(ext2_filsys fs, const char *path, bool rw, struct fcr_journal **ret,
                         struct fcr_diag *d) {
        _cleanup_free_ char *found = NULL;
        struct fcr_journal *j;
        int r;

        if (!path) {
                r = find_by_uuid(fs->super->s_journal_uuid, &found, d);
                if (r < 0)
                        return r;
                path = found;
        }
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->ext_dev = FCR_DEVICE_NULL;
        r = fcr_device_open(path, rw, &j->ext_dev, d);
        if (r >= 0) {
                j->ext_path = j->ext_dev.path;
                r = open_journal_fs(fs, &j->ext_dev, &j->ext_fs, d);
        }
        if (r >= 0)
                r = map_external(fs, j, d);
        if (r < 0) {
                fcr_journal_free(j);
                return r;
        }
        *ret = j;
        return 0;
}

/* As e2fsck does: a journal inode damaged in the inode table gives way
 * to the superblock's backup of it. */
static int open_internal(ext2_filsys fs, struct fcr_journal **ret, struct fcr_diag *d) {
        struct fcr_diag local = {}, *diag = d ? d : &local;
        char damage[sizeof(diag->msg)];
        int r;

        r = fcr_journal_open_internal(fs, ret, diag);
        if (r != -EUCLEAN)
                return r;
        snprintf(damage, sizeof(damage), "%s", diag->msg);
        return fcr_journal_open_backup(fs, damage, ret, diag);
}

int fcr_journal_open(ext2_filsys fs, const char *device, const char *journal_dev, bool rw,
                     struct fcr_journal **ret, struct fcr_diag *d) {
        if (!ext2fs_has_feature_journal(fs->super))
                return journal_dev ? fcr_fail(d, -EINVAL, "%s has no journal, but --journal-dev was given", device)
                                   : 0;
        if (fs->super->s_journal_inum == 0)
                return open_external(fs, journal_dev, rw, ret, d);
        if (journal_dev)
                return fcr_fail(d, -EINVAL, "%s has an internal journal; --journal-dev does not apply", device);
        return open_internal(fs, ret, d);
}

int fcr_journal_recheck(const struct fcr_journal *j, const struct fcr_device *fs_dev, const uint8_t *jsb,
                        struct fcr_diag *d) {
        const struct fcr_device *dev = j->ext_path ? &j->ext_dev : fs_dev;

        if (j->ext_path) {
                int r = fcr_fs_recheck(dev, j->ext_fs, d);

                if (r < 0)
                        return r;
        }
        return fcr_device_unchanged(dev, (uint64_t) fcr_journal_phys(j, 0) * j->blocksize, jsb, j->blocksize,
                                    "the journal superblock", d);
}
