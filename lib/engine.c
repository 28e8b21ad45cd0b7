#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <et/com_err.h>
#include <ext2fs/ext2_err.h>
#include "engine.h"
#include <fcreplay/bytes.h>
#include "fastcommit/fc_format.h"
#include "journal/jbd2_csum.h"
#include "journal/jbd2_format.h"
#include "journal/jbd2_write.h"
#include <fcreplay/limits.h>
#include <fcreplay/util.h>

const char *fcr_phase_str(enum fcr_phase p) {
        switch (p) {
        case FCR_PHASE_PLANNING: return "planning";
        case FCR_PHASE_WRITING: return "writing";
        case FCR_PHASE_DONE: return "done";
        }
        return "unknown";
}

static void enter(struct fcr_engine *e, enum fcr_phase p) {
        if (e->phase)
                e->phase(p, e->userdata);
}

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

/* A device or image shorter than its filesystem (a truncated image, a
 * shrunk partition) cannot be opened, as the kernel refuses to mount it:
 * a replay could not be checked against what is missing. */
static int check_size(const char *device, ext2_filsys fs, struct fcr_diag *d) {
        blk64_t have = 0;
        errcode_t e = ext2fs_get_device_size2(device, fs->blocksize, &have);

        if (e)
                return fcr_fail(d, fcr_errcode_to_errno(e), "cannot tell the size of %s: %s", device,
                                error_message(e));
        if (have < ext2fs_blocks_count(fs->super))
                return fcr_fail(d, -EMEDIUMTYPE, "cannot open the filesystem of %s: the device holds %llu blocks, "
                                "but its filesystem has %llu", device,
                                (unsigned long long) have, (unsigned long long) ext2fs_blocks_count(fs->super));
        return 0;
}

/* A read-only block device (losetup -r, a write-protected disk) opens
 * read-write all the same; only the first write would fail. */
static int check_not_ro_blockdev(const char *device, struct fcr_diag *d) {
        struct stat st;
        int fd, ro = 0, r = 0;

        fd = open(device, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return fcr_fail(d, -errno, "cannot open %s: %s", device, strerror(errno));
        if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ioctl(fd, BLKROGET, &ro) == 0 && ro)
                r = fcr_fail(d, -EROFS, "%s is a read-only block device", device);
        close(fd);
        return r;
}

static int open_fs(const char *device, io_manager io, bool rw, ext2_filsys *ret, struct fcr_diag *d) {
        char mtpt[4096] = "";
        /* SUPER_ONLY: no read of every group descriptor; the replay reads
         * and verifies those of the groups it touches (groups.c). */
        int mount_flags = 0, flags = EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_SUPER_ONLY, r;
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
        if (rw) {
                r = check_not_ro_blockdev(device, d);

                if (r < 0)
                        return r;
                flags |= EXT2_FLAG_RW | EXT2_FLAG_EXCLUSIVE;
        }
        e = ext2fs_open2(device, NULL, flags, 0, 0, io, ret);
        if (e == 0) {
                ext2_filsys fs = *ret;
                ext2_ino_t ino = fs->super->s_journal_inum;
                /* An impossible journal inode is the journal code's to judge. */
                dgrp_t g = ino && ino <= fs->super->s_inodes_count ? ext2fs_group_of_ino(fs, ino) : 0;

                /* The descriptor the journal inode is found through is
                 * verified as ext2fs_open2() would have. */
                if (ext2fs_group_desc(fs, NULL, g) && ext2fs_group_desc_csum_verify(fs, g))
                        return 0;
                fcr_fs_close_nowrite(ret);
                return fcr_fail(d, -EMEDIUMTYPE, "cannot open the filesystem of %s: group descriptor %u is unreadable or fails its checksum",
                                device, g);
        }
        r = fcr_errcode_to_errno(e);
        /* One rule: a filesystem that cannot be opened, whatever is wrong
         * with it (magic, superblock, group descriptors, features), is
         * "cannot open" (exit 3); refusals (exit 2) judge the journal. */
        if (r == -EUCLEAN)
                return fcr_fail(d, -EMEDIUMTYPE, "cannot open the filesystem of %s: %s", device, error_message(e));
        return fcr_fail(d, r, "cannot open %s%s: %s", device, rw ? " for writing" : "", error_message(e));
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

int fcr_engine_open(const struct fcr_engine_opts *o, struct fcr_engine **ret, struct fcr_diag *d) {
        struct fcr_engine *e;
        bool rw;
        int r;

        /* libext2fs error codes read as text only with their table; the
         * call adds it once, however often it is made. */
        initialize_ext2_error_table();

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->device = strdup(o->device);
        e->read_only = o->read_only;
        e->inspect_only = o->inspect_only;
        e->phase = o->phase;
        e->progress = o->progress;
        e->userdata = o->userdata;
        if (o->plugins)
                e->given_plugins = fcr_plugins_ref(o->plugins);
        e->plugin_dir = strdup(o->plugins ? fcr_plugins_dir_of(o->plugins) : fcr_plugin_dir(o->plugin_dir));
        e->allocator_name = strdup(o->allocator ? o->allocator : FCR_DEFAULT_ALLOCATOR);
        if (!e->device || !e->plugin_dir || !e->allocator_name) {
                r = -ENOMEM;
                goto fail;
        }
        e->io_manager = o->io_manager ? o->io_manager : unix_io_manager;
        /* A dry run opens the device as the replay would (mount check,
         * read-write, exclusive) and writes nothing, so that it fails
         * where the replay would.  Only inspect opens it read-only. */
        rw = !o->read_only || !o->inspect_only;
        r = fcr_check_file_type(o->device, d);
        if (r >= 0)
                r = open_fs(o->device, e->io_manager, rw, &e->fs, d);
        if (r < 0)
                goto fail;
        /* After open_fs, so that a mounted device is reported as such;
         * replays and dry runs alike, before anything is written. */
        if (rw) {
                r = fcr_lock_take(o->device, &e->lock, d);
                if (r < 0)
                        goto fail;
        }
        r = check_size(o->device, e->fs, d);
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
                r = fcr_journal_open_external(e->fs, o->journal_dev, rw, &e->journal, d);
        else if (o->journal_dev)
                r = fcr_fail(d, -EINVAL, "%s has an internal journal; --journal-dev does not apply", o->device);
        else
                r = open_internal(e->fs, &e->journal, d);
        /* The external journal is written too: its device is locked as
         * the filesystem's is. */
        if (r >= 0 && e->external_journal && rw)
                r = fcr_lock_take(e->journal->ext_path, &e->lock, d);
        if (r < 0)
                goto fail;
        *ret = e;
        return 0;
fail:
        fcr_engine_free(e);
        return r;
}

void fcr_engine_geometry(const struct fcr_engine *e, struct fcr_fs_geometry *ret) {
        *ret = (struct fcr_fs_geometry) {
                .block_size = e->fs->blocksize,
                .inode_size = EXT2_INODE_SIZE(e->fs->super),
                .cluster_ratio = EXT2FS_CLUSTER_RATIO(e->fs),
                .blocks_count = ext2fs_blocks_count(e->fs->super),
                .inodes_count = e->fs->super->s_inodes_count,
                .first_data_block = e->fs->super->s_first_data_block,
                .blocks_per_group = e->fs->super->s_blocks_per_group,
                .inodes_per_group = e->fs->super->s_inodes_per_group,
                .group_count = e->fs->group_desc_count,
        };
}

const struct fcr_tag_plugin *fcr_engine_tag_plugin(const struct fcr_engine *e, uint16_t tag) {
        return fcr_plugins_tag(e->plugins, tag);
}

/* Tag values are judged by the plugin that will replay them. */
static int validate_with_plugin(void *userdata, uint32_t head_features, uint16_t tag, const uint8_t *value,
                                uint16_t len) {
        struct fcr_engine *e = userdata;
        struct fcr_fs_geometry g;

        fcr_engine_geometry(e, &g);
        return fcr_plugins_validate(e->plugins, &g, head_features, tag, value, len);
}

static int load_plugins(struct fcr_engine *e, struct fcr_diag *d) {
        int r;

        if (e->plugins)
                return 0;
        if (e->given_plugins)
                e->plugins = fcr_plugins_ref(e->given_plugins);
        else {
                r = fcr_plugins_load(e->plugin_dir, &e->plugins, d);
                if (r < 0)
                        return r;
        }
        return fcr_plugins_find_alloc(e->plugins, e->allocator_name, &e->allocator, d);
}

int fcr_engine_scan(struct fcr_engine *e, struct fcr_diag *d) {
        bool use_plugins;
        int r;

        if (e->scanned)
                return 0;
        /* Inspect shows the orphans as they are on disk now, apart from
         * those the plan finds in its view after the journal. */
        if (e->inspect_only && fcr_orphans_possible(e->fs->super)) {
                r = fcr_orphans_find(e->fs, false, NULL, NULL, &e->orphans_on_disk);
                if (r < 0)
                        return fcr_fail(d, r, "cannot read the orphan inodes: %s", strerror(-r));
        }
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
        if (e->jsb.start == 0)
                e->state = e->needs_recovery ? FCR_STATE_FINISH_ONLY : FCR_STATE_CLEAN;
        else
                e->state = e->needs_recovery ? FCR_STATE_REPLAY : FCR_STATE_NOT_FLAGGED;
        /* Whatever the state, inspect included, every tag is judged (and
         * later described) by the plugin that would replay it. */
        use_plugins = e->jsb.start != 0 && jbd2_has_incompat(&e->jsb, JBD2_FEATURE_INCOMPAT_FAST_COMMIT);
        if (use_plugins) {
                r = load_plugins(e, d);
                if (r < 0)
                        return r;
        }
        if (e->jsb.start != 0) {
                r = fc_scan(e->journal, &e->jsb, e->log.end_tid, fcr_plugins_features(e->plugins),
                            use_plugins ? validate_with_plugin : NULL, e, &e->fc, d);
                if (r < 0)
                        return r;
        }
        e->scanned = true;
        return 0;
}

static void keep_backup(uint64_t fs_block, uint8_t *buf, void *userdata) {
        fcr_journal_backup_keep(userdata, fs_block, buf);
}

/* The superblock as the jbd2 replay leaves it: it is usually one of the
 * logged blocks. */
static int replayed_super(struct fcr_engine *e, struct ext2_super_block *ret, struct fcr_diag *d) {
        uint64_t home = SUPERBLOCK_OFFSET / e->fs->blocksize;
        unsigned offset = SUPERBLOCK_OFFSET % e->fs->blocksize;
        const struct jbd2_write *last = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        for (size_t i = 0; i < e->plan.nr_writes; i++)
                if (e->plan.writes[i].fs_block == home)
                        last = &e->plan.writes[i];
        if (!last) {
                *ret = *e->fs->super;
                return 0;
        }
        buf = malloc(e->fs->blocksize);
        if (!buf)
                return -ENOMEM;
        r = fcr_journal_read(e->journal, last->log_block, buf);
        if (r < 0)
                return fcr_fail(d, r, "cannot read journal block %u: %s", last->log_block, strerror(-r));
        memcpy(ret, buf + offset, sizeof(*ret));
#ifdef WORDS_BIGENDIAN
        ext2fs_swap_super(ret);
#endif
        return 0;
}

/* Restore the journal inode from its backup, replay the fast commits,
 * then release the orphans, in memory over the jbd2 result; then fix
 * bitmaps, counters and checksums. */
static int plan_view(struct fcr_engine *e, bool orphans, struct fcr_diag *d) {
        _cleanup_free_ uint8_t *buf = malloc(e->fs->blocksize);
        int r;

        if (!buf)
                return -ENOMEM;
        r = fcr_overlay_new(e->fs->io, e->fs->blocksize, &e->overlay);
        if (r < 0)
                return r;
        for (size_t i = 0; i < e->plan.nr_writes; i++) {
                const struct jbd2_write *w = &e->plan.writes[i];

                r = fcr_journal_read(e->journal, w->log_block, buf);
                if (r < 0)
                        return fcr_fail(d, r, "cannot read journal block %u: %s", w->log_block, strerror(-r));
                if (w->escape)
                        put_be32(buf, JBD2_MAGIC);
                if (e->plan.fixup)
                        e->plan.fixup(w->fs_block, buf, e->plan.fixup_data);
                r = fcr_overlay_preload(e->overlay, w->fs_block, buf);
                if (r < 0)
                        return r;
        }
        r = fcr_replay_new(e->overlay, e->plugins, e->allocator, d, &e->replay);
        if (r < 0)
                return r;
        if (e->journal->from_backup) {
                r = fcr_journal_restore_inode(e->replay, e->fs->super, &e->journal_restored);
                if (r < 0)
                        return r;
        }
        r = fcr_replay_run(e->replay, &e->fc);
        if (r < 0)
                return r;
        if (orphans) {
                r = fcr_orphans_release(e->replay, e->jsb.errnum != 0, &e->orphans);
                if (r < 0)
                        return r;
        }
        /* Nothing at all to do: the plain jbd2 path stays as it was. */
        if (e->fc.nr_commits == 0 && !e->orphans.released && !e->journal_restored) {
                fcr_replay_free(e->replay);
                e->replay = NULL;
                fcr_overlay_free(e->overlay);
                e->overlay = NULL;
                return 0;
        }
        if (e->orphans.released || e->journal_restored)
                fcr_replay_note_head(e->replay, "[finish]:");
        return fcr_replay_finish(e->replay);
}

static int collect_written(uint64_t block, const void *data, void *userdata) {
        struct fcr_engine *e = userdata;
        struct jbd2_out_block *b = FCR_PUSH(e->commit, e->nr_commit, e->cap_commit);

        if (!b)
                return -ENOMEM;
        *b = (struct jbd2_out_block) { .fs_block = block, .data = data };
        return 0;
}

/* The fast-commit result, as the transaction apply will log: collected
 * and checked against the log's size here, so that apply, once it has
 * begun to write, has nothing left to refuse. */
static int plan_commit(struct fcr_engine *e, struct fcr_diag *d) {
        int r = fcr_overlay_foreach_written(e->overlay, collect_written, e);

        if (r < 0)
                return r;
        if (!jbd2_txn_fits(&e->jsb, e->nr_commit))
                return fcr_fail(d, -ENOSPC, "the fast-commit replay changes %zu blocks: as one transaction "
                                "it needs %llu journal blocks, but the log holds %u",
                                e->nr_commit, (unsigned long long) jbd2_txn_size(&e->jsb, e->nr_commit),
                                e->jsb.log_end - e->jsb.first);
        return 0;
}

static int plan(struct fcr_engine *e, struct fcr_diag *d) {
        struct ext2_super_block sb;
        bool orphans;
        int r;

        if (e->planned)
                return 0;
        enter(e, FCR_PHASE_PLANNING);
        r = fcr_engine_scan(e, d);
        if (r < 0)
                return r;
        if ((e->state == FCR_STATE_REPLAY || e->state == FCR_STATE_FINISH_ONLY) && e->log.commit_corrupt)
                return fcr_fail(d, -EBADMSG,
                                "journal transaction %u is corrupt: its commit block fails its checksum "
                                "and the journal does not use async commit", e->log.end_tid);
        /* Stricter than the kernel and e2fsck, deliberately: the admin
         * must learn what that means and what to do. */
        if ((e->state == FCR_STATE_REPLAY || e->state == FCR_STATE_FINISH_ONLY) && e->log.continues)
                return fcr_fail(d, -EBADMSG,
                                "the journal log is damaged at log block %u (%s), yet transaction %u "
                                "continues at log block %u: the log lost blocks in its middle. The kernel would "
                                "replay only up to the damage, leaving older metadata beside newer blocks already "
                                "written home; fcreplay replays nothing. Next: save a copy of the device, then run "
                                "e2fsck -fy (it replays up to the damage and repairs the rest); recent changes "
                                "may be lost", e->log.end_block,
                                jbd2_end_reason_str(e->log.end_reason), e->log.cont_tid, e->log.cont_block);
        /* The kernel does not mount a filesystem whose journal inode is
         * damaged (EUCLEAN), clean journal or not; only e2fsck rebuilds it
         * then.  Inspect shows it. */
        if (e->state == FCR_STATE_CLEAN && e->journal && e->journal->from_backup && !e->inspect_only)
                return fcr_fail(d, -EUCLEAN,
                                "the journal is clean, but %s (found through the superblock's backup of it): "
                                "the kernel will not mount the filesystem. Run e2fsck -f: it rebuilds the inode "
                                "from the backup", e->journal->inode_damage);
        if (e->state != FCR_STATE_REPLAY && e->state != FCR_STATE_FINISH_ONLY) {
                e->planned = true;
                return 0;
        }
        if (e->state == FCR_STATE_REPLAY) {
                if (e->fc.end_reason == FC_END_NO_PLUGIN)
                        return fcr_fail(d, -EOPNOTSUPP,
                                        "the fast-commit area holds tag %u, which no plugin in %s/tags handles",
                                        e->fc.end_tag,
                                        e->plugin_dir);
                /* As the kernel fails the mount (-EOPNOTSUPP). */
                if (e->fc.end_reason == FC_END_UNSUPPORTED)
                        return fcr_fail(d, -EOPNOTSUPP,
                                        "the fast-commit area's HEAD announces features 0x%x, and no plugin in "
                                        "%s/tags provides 0x%x", e->fc.head_features, e->plugin_dir,
                                        e->fc.head_features & ~fcr_plugins_features(e->plugins));
                r = jbd2_plan_build(e->journal, &e->jsb, &e->log, ext2fs_blocks_count(e->fs->super), &e->plan, d);
                if (r < 0)
                        return r;
                /* Found through the backup: the superblock going home keeps
                 * it, so that a cut leaves the journal findable. */
                if (e->journal->from_backup) {
                        e->plan.fixup = keep_backup;
                        e->plan.fixup_data = e->fs;
                }
                r = fcr_jbd2_check_plan(e->fs, e->journal, &e->plan, d);
                if (r < 0)
                        return r;
        }
        r = replayed_super(e, &sb, d);
        if (r < 0)
                return r;
        orphans = fcr_orphans_possible(&sb);
        if (e->fc.nr_commits > 0 || orphans || e->journal->from_backup) {
                r = plan_view(e, orphans, d);
                if (r < 0)
                        return r;
        }
        if (e->replay) {
                r = plan_commit(e, d);
                if (r < 0)
                        return r;
        }
        e->planned = true;
        return 0;
}

int fcr_engine_plan(struct fcr_engine *e, struct fcr_diag *d) {
        /* Out of memory under the ceiling: the log asks for too much. */
        return fcr_memory_refusal(plan(e, d), d);
}

/* Mark the journal empty: from here on a rerun finds nothing to replay,
 * so it must come after every replayed block is on disk. */
static int write_jsb(struct fcr_engine *e, struct fcr_diag *d) {
        int r = fcr_journal_write(e->journal, 0, e->jsb_block);

        if (r == 0)
                r = fcr_journal_flush(e->journal);
        if (r < 0)
                return fcr_fail(d, r, "cannot write the journal superblock: %s", strerror(-r));
        return 0;
}

static int finish_journal(struct fcr_engine *e, uint32_t next_tid, struct fcr_diag *d) {
        jbd2_super_mark_empty(e->jsb_block, &e->jsb, next_tid);
        return write_jsb(e, d);
}

/* Clear the recovery flag in the superblock as it is on disk now: the
 * replay has usually rewritten it, so the copy read at open is stale.
 * Read and written through the channel the replay wrote through, without
 * reopening the filesystem: nothing here can refuse once blocks went
 * home.  One write of the whole superblock: a cut between the flag and
 * the checksum would leave a superblock that no longer opens. */
static int finish_superblock(struct fcr_engine *e, struct fcr_diag *d) {
        unsigned bs = e->fs->blocksize;
        blk64_t blk = SUPERBLOCK_OFFSET / bs;
        _cleanup_free_ uint8_t *buf = malloc(bs);
        struct ext2_super_block *sb;
        errcode_t err;

        if (!buf)
                return -ENOMEM;
        sb = (struct ext2_super_block *) (buf + SUPERBLOCK_OFFSET % bs);
        err = io_channel_read_blk64(e->fs->io, blk, 1, buf);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot read the superblock of %s: %s",
                                e->device, error_message(err));
        /* On-disk (little-endian) fields, changed in place. */
        sb->s_feature_incompat &= ext2fs_cpu_to_le32(~(uint32_t) EXT3_FEATURE_INCOMPAT_RECOVER);
        /* An error the journal recorded becomes the filesystem's. */
        if (e->jsb.errnum != 0)
                sb->s_state |= ext2fs_cpu_to_le16(EXT2_ERROR_FS);
        if (ext2fs_has_feature_metadata_csum(e->fs->super))
                sb->s_checksum = ext2fs_cpu_to_le32(ext2fs_crc32c_le(~0U, (unsigned char *) sb,
                                                                     offsetof(struct ext2_super_block, s_checksum)));
        err = io_channel_write_blk64(e->fs->io, blk, 1, buf);
        if (!err)
                err = io_channel_flush(e->fs->io);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot write the superblock of %s: %s",
                                e->device, error_message(err));
        /* Done with the filesystem: the report shows what was opened. */
        fcr_fs_close_nowrite(&e->fs);
        return 0;
}

bool fcr_engine_wrote(const struct fcr_engine *e) {
        return e && e->wrote;
}

/* The jbd2 blocks are the first of all the blocks the replay writes. */
static void jbd2_progress(const char *what, uint64_t done, uint64_t total, void *userdata) {
        struct fcr_engine *e = userdata;

        e->progress("blocks", done, fcr_engine_blocks_to_write(e), e->userdata);
}

/* The fast-commit result as transaction end_tid, then home.  Order:
 * 1. the jbd2 blocks are home and durable (done by the caller);
 * 2. the journal restarts at the block after the last commit, expecting
 *    end_tid: a cut now replays the fast commits again from the same
 *    starting point;
 * 3. the result is logged and committed as transaction end_tid: a cut now
 *    replays that transaction, and the fast-commit area is stale;
 * 4. the blocks go home, then the journal is marked empty. */
static int commit_fast_commits(struct fcr_engine *e, struct fcr_diag *d) {
        const struct jbd2_out_block *v = e->commit;
        size_t n = e->nr_commit;
        /* An empty log (only the flag to clear, and orphans) starts afresh. */
        uint32_t next, start = e->log.next_block ? e->log.next_block : e->jsb.first;
        size_t base = e->state == FCR_STATE_REPLAY ? e->plan.nr_writes : 0;   /* written before */
        errcode_t err;
        int r;

        put_be32(e->jsb_block + JSB_START, start);
        put_be32(e->jsb_block + JSB_SEQUENCE, e->log.end_tid);
        if (e->jsb.csum_v2v3)
                put_be32(e->jsb_block + JSB_CHECKSUM, fcr_crc32c_skip(~0U, e->jsb_block, JSB_SIZE, JSB_CHECKSUM));
        r = write_jsb(e, d);
        if (r < 0)
                return r;
        r = jbd2_write_txn(e->journal, &e->jsb, e->log.end_tid, start, v, n, &next, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                err = io_channel_write_blk64(e->fs->io, v[i].fs_block, 1, v[i].data);
                if (err)
                        return fcr_fail(d, fcr_errcode_to_errno(err), "cannot write filesystem block %llu: %s",
                                        (unsigned long long) v[i].fs_block, error_message(err));
                if (e->progress && (i % 256 == 255 || i + 1 == n))
                        e->progress("blocks", base + i + 1, base + n, e->userdata);
        }
        err = io_channel_flush(e->fs->io);
        if (err)
                return fcr_fail(d, fcr_errcode_to_errno(err), "cannot flush %s: %s", e->device, error_message(err));
        return finish_journal(e, e->log.end_tid + 1, d);
}

int fcr_engine_apply(struct fcr_engine *e, struct fcr_diag *d) {
        int r;

        if (e->read_only)
                return fcr_fail(d, -EROFS, "%s was opened read-only", e->device);
        r = fcr_engine_plan(e, d);
        if (r < 0)
                return r;
        if (e->state != FCR_STATE_REPLAY && e->state != FCR_STATE_FINISH_ONLY) {
                enter(e, FCR_PHASE_DONE);
                return 0;
        }
        enter(e, FCR_PHASE_WRITING);
        /* From here on a failure may leave blocks written: the caller
         * must not report "nothing written" (fcr_engine_wrote()). */
        e->wrote = true;
        if (e->state == FCR_STATE_REPLAY) {
                r = jbd2_plan_apply(e->journal, e->fs->io, &e->plan, e->progress ? jbd2_progress : NULL, e, d);
                if (r < 0)
                        return r;
        }
        if (e->replay)
                r = commit_fast_commits(e, d);
        else if (e->state == FCR_STATE_REPLAY)
                r = finish_journal(e, e->log.end_tid + 1, d);
        if (r < 0)
                return r;
        r = finish_superblock(e, d);
        if (r < 0)
                return r;
        e->applied = true;
        enter(e, FCR_PHASE_DONE);
        return 0;
}

void fcr_engine_free(struct fcr_engine *e) {
        if (!e)
                return;
        fcr_result_done(e);
        free(e->commit);
        fcr_replay_free(e->replay);
        fcr_overlay_free(e->overlay);
        fcr_orphans_done(&e->orphans);
        fcr_orphans_done(&e->orphans_on_disk);
        fcr_plugins_unref(e->plugins);
        fcr_plugins_unref(e->given_plugins);
        free(e->plugin_dir);
        free(e->allocator_name);
        jbd2_plan_done(&e->plan);
        fc_log_done(&e->fc);
        jbd2_log_done(&e->log);
        free(e->jsb_block);
        fcr_journal_free(e->journal);
        fcr_fs_close_nowrite(&e->fs);
        fcr_lock_release(&e->lock);
        free(e->device);
        free(e);
}
