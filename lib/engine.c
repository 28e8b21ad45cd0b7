#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>
#include "engine.h"
#include "jbd2_format.h"
#include "util.h"

const char *fcr_state_str(enum fcr_state s) {
        switch (s) {
        case FCR_STATE_NO_JOURNAL: return "no-journal";
        case FCR_STATE_CLEAN: return "clean";
        case FCR_STATE_NOT_FLAGGED: return "not-flagged";
        case FCR_STATE_FINISH_ONLY: return "finish-only";
        case FCR_STATE_REPLAY: return "replay";
        }
        return "unknown";
}

static int open_fs(const char *device, bool rw, ext2_filsys *ret, struct fcr_diag *d) {
        char mtpt[4096] = "";
        int mount_flags = 0, flags = EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP;
        errcode_t e;

        e = ext2fs_check_mount_point(device, &mount_flags, mtpt, sizeof(mtpt));
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot tell whether %s is mounted: %s",
                                device, error_message(e));
        if (rw && (mount_flags & EXT2_MF_MOUNTED))
                return fcr_fail(d, -EBUSY, "%s is mounted on %s; refusing to replay a mounted filesystem",
                                device, mtpt[0] ? mtpt : "(unknown)");
        if (rw && (mount_flags & EXT2_MF_BUSY))
                return fcr_fail(d, -EBUSY, "%s is in use by another program", device);
        if (rw)
                flags |= EXT2_FLAG_RW | EXT2_FLAG_EXCLUSIVE;
        e = ext2fs_open2(device, NULL, flags, 0, 0, unix_io_manager, ret);
        if (e == EXT2_ET_BAD_MAGIC || e == EXT2_ET_SB_CSUM_INVALID || e == EXT2_ET_CORRUPT_SUPERBLOCK)
                return fcr_fail(d, -EMEDIUMTYPE, "%s: not a valid ext2/3/4 filesystem: %s",
                                device, error_message(e));
        if (e == EXT2_ET_UNSUPP_FEATURE || e == EXT2_ET_RO_UNSUPP_FEATURE)
                return fcr_fail(d, -EOPNOTSUPP, "%s: %s", device, error_message(e));
        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot open %s: %s", device, error_message(e));
        return 0;
}

int fcr_engine_open(const struct fcr_engine_opts *o, struct fcr_engine **ret, struct fcr_diag *d) {
        struct fcr_engine *e;
        int r;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->device = strdup(o->device);
        e->read_only = o->read_only;
        e->progress = o->progress;
        e->userdata = o->userdata;
        if (!e->device) {
                r = -ENOMEM;
                goto fail;
        }
        r = open_fs(o->device, !o->read_only, &e->fs, d);
        if (r < 0)
                goto fail;
        e->has_journal = ext2fs_has_feature_journal(e->fs->super);
        e->needs_recovery = ext2fs_has_feature_journal_needs_recovery(e->fs->super);
        if (!e->has_journal) {
                if (o->journal_dev) {
                        r = fcr_fail(d, -EINVAL, "%s has no journal, but --journal-dev was given", o->device);
                        goto fail;
                }
                *ret = e;
                return 0;
        }
        e->external_journal = e->fs->super->s_journal_inum == 0;
        if (e->external_journal)
                r = fcr_journal_open_external(e->fs, o->journal_dev, !o->read_only, &e->journal, d);
        else if (o->journal_dev)
                r = fcr_fail(d, -EINVAL, "%s has an internal journal; --journal-dev does not apply", o->device);
        else
                r = fcr_journal_open_internal(e->fs, &e->journal, d);
        if (r < 0)
                goto fail;
        *ret = e;
        return 0;
fail:
        fcr_engine_free(e);
        return r;
}

int fcr_engine_scan(struct fcr_engine *e, struct fcr_diag *d) {
        int r;

        if (e->scanned)
                return 0;
        if (!e->has_journal) {
                e->state = FCR_STATE_NO_JOURNAL;
                e->scanned = true;
                return 0;
        }
        e->jsb_block = malloc(e->journal->blocksize);
        if (!e->jsb_block)
                return -ENOMEM;
        r = fcr_journal_read(e->journal, 0, e->jsb_block);
        if (r < 0)
                return fcr_fail(d, r, "cannot read the journal superblock: %s", strerror(-r));
        r = jbd2_super_parse(e->jsb_block, e->fs->blocksize, e->journal->nblocks, &e->jsb, d);
        if (r < 0)
                return r;
        r = jbd2_scan(e->journal, &e->jsb, &e->log, d);
        if (r < 0)
                return r;
        if (e->jsb.start != 0) {
                r = fc_scan(e->journal, &e->jsb, EXT2_INODE_SIZE(e->fs->super), e->log.end_tid, &e->fc, d);
                if (r < 0)
                        return r;
        }
        if (e->jsb.start == 0)
                e->state = e->needs_recovery ? FCR_STATE_FINISH_ONLY : FCR_STATE_CLEAN;
        else
                e->state = e->needs_recovery ? FCR_STATE_REPLAY : FCR_STATE_NOT_FLAGGED;
        e->scanned = true;
        return 0;
}

int fcr_engine_plan(struct fcr_engine *e, struct fcr_diag *d) {
        int r;

        r = fcr_engine_scan(e, d);
        if (r < 0 || e->planned)
                return r;
        if (e->state != FCR_STATE_REPLAY) {
                e->planned = true;
                return 0;
        }
        if (e->fc.nr_commits > 0)
                return fcr_fail(d, -EOPNOTSUPP,
                                "the fast-commit area holds %zu valid fast commit(s); this version of "
                                "fcreplay does not replay fast commits yet", e->fc.nr_commits);
        r = jbd2_plan_build(e->journal, &e->jsb, &e->log, ext2fs_blocks_count(e->fs->super), &e->plan, d);
        if (r < 0)
                return r;
        e->planned = true;
        return 0;
}

/* Mark the journal empty: from here on a rerun finds nothing to replay,
 * so it must come after every replayed block is on disk. */
static int finish_journal(struct fcr_engine *e, struct fcr_diag *d) {
        int r;

        jbd2_super_mark_empty(e->jsb_block, &e->jsb, e->log.end_tid + 1);
        r = fcr_journal_write(e->journal, 0, e->jsb_block);
        if (r == 0)
                r = fcr_journal_flush(e->journal);
        if (r < 0)
                return fcr_fail(d, r, "cannot write the journal superblock: %s", strerror(-r));
        return 0;
}

/* Clear the recovery flag in a freshly read superblock: the replay has
 * usually rewritten the superblock, so the copy read at open is stale. */
static int finish_superblock(struct fcr_engine *e, struct fcr_diag *d) {
        ext2_filsys fs = NULL;
        errcode_t err;
        int r;

        ext2fs_close_free(&e->fs);
        r = open_fs(e->device, true, &fs, d);
        if (r < 0)
                return r;
        ext2fs_clear_feature_journal_needs_recovery(fs->super);
        /* An error the journal recorded becomes the filesystem's. */
        if (e->jsb.errnum != 0)
                fs->super->s_state |= EXT2_ERROR_FS;
        fs->flags |= EXT2_FLAG_SUPER_ONLY | EXT2_FLAG_MASTER_SB_ONLY;
        ext2fs_mark_super_dirty(fs);
        err = ext2fs_close_free(&fs);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot write the superblock of %s: %s",
                                e->device, error_message(err));
        return 0;
}

int fcr_engine_apply(struct fcr_engine *e, struct fcr_diag *d) {
        int r;

        if (e->read_only)
                return fcr_fail(d, -EROFS, "%s was opened read-only", e->device);
        r = fcr_engine_plan(e, d);
        if (r < 0)
                return r;
        if (e->state != FCR_STATE_REPLAY && e->state != FCR_STATE_FINISH_ONLY)
                return 0;
        if (e->state == FCR_STATE_REPLAY) {
                r = jbd2_plan_apply(e->journal, e->fs->io, &e->plan, e->progress, e->userdata, d);
                if (r < 0)
                        return r;
                r = finish_journal(e, d);
                if (r < 0)
                        return r;
        }
        r = finish_superblock(e, d);
        if (r < 0)
                return r;
        e->applied = true;
        return 0;
}

void fcr_engine_free(struct fcr_engine *e) {
        if (!e)
                return;
        jbd2_plan_done(&e->plan);
        fc_log_done(&e->fc);
        jbd2_log_done(&e->log);
        free(e->jsb_block);
        fcr_journal_free(e->journal);
        if (e->fs)
                ext2fs_close_free(&e->fs);
        free(e->device);
        free(e);
}
