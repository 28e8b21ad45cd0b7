/* The engine's state machine: open, scan, plan, apply.  The checks of
 * opening are lib/io/'s (fs_open.c, journal_open.c), the writes that end
 * a replay lib/journal/'s (journal_commit.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2_err.h>
#include <fcreplay/bytes.h>
#include <fcreplay/limits.h>
#include <fcreplay/util.h>
#include "engine.h"
#include "fastcommit/fc_format.h"
#include "journal/jbd2_format.h"

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

/* Settings, copied: the engine outlives the caller's options. */
static int engine_new(const struct fcr_engine_opts *o, struct fcr_engine **ret) {
        _cleanup_(fcr_engine_freep) struct fcr_engine *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        e->dev = FCR_DEVICE_NULL;
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
        if (!e->device || !e->plugin_dir || !e->allocator_name)
                return -ENOMEM;
        e->io_manager = o->io_manager;
        *ret = e;
        e = NULL;
        return 0;
}

int fcr_engine_open(const struct fcr_engine_opts *o, struct fcr_engine **ret, struct fcr_diag *d) {
        _cleanup_(fcr_engine_freep) struct fcr_engine *e = NULL;
        bool rw;
        int r;

        /* libext2fs error codes read as text only with their table; the
         * call adds it once, however often it is made. */
        initialize_ext2_error_table();
        r = engine_new(o, &e);
        if (r < 0)
                return r;
        /* A dry run opens the device as the replay would (mount check,
         * read-write, exclusive) and writes nothing, so that it fails
         * where the replay would.  Only inspect opens it read-only. */
        rw = !o->read_only || !o->inspect_only;
        r = fcr_fs_open(o->device, rw, e->io_manager, &o->expect, &e->dev, &e->fs, d);
        if (r < 0)
                return r;
        /* After the open, so that a mounted device is reported as such;
         * replays and dry runs alike, before anything is written. */
        if (rw) {
                r = fcr_lock_take(e->dev.fd, e->dev.path, &e->lock, d);
                if (r < 0)
                        return r;
        }
        e->has_journal = ext2fs_has_feature_journal(e->fs->super);
        e->needs_recovery = ext2fs_has_feature_journal_needs_recovery(e->fs->super);
        e->external_journal = e->has_journal && e->fs->super->s_journal_inum == 0;
        r = fcr_journal_open(e->fs, o->device, o->journal_dev, rw, &e->journal, d);
        if (r < 0)
                return r;
        /* The external journal is written too: its device is locked as
         * the filesystem's is. */
        if (e->external_journal && rw) {
                r = fcr_lock_take(e->journal->ext_dev.fd, e->journal->ext_path, &e->lock, d);
                if (r < 0)
                        return r;
        }
        *ret = e;
        e = NULL;
        return 0;
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

bool fcr_engine_wrote(const struct fcr_engine *e) {
        return e && e->wrote;
}

/* The jbd2 blocks are the first of all the blocks the replay writes. */
static void jbd2_progress(uint64_t done, uint64_t total, void *userdata) {
        struct fcr_engine *e = userdata;

        e->progress(done, fcr_engine_blocks_to_write(e), e->userdata);
}

static struct fcr_commit commit_of(struct fcr_engine *e) {
        return (struct fcr_commit) {
                .journal = e->journal, .jsb_block = e->jsb_block, .jsb = &e->jsb, .fs_io = e->fs->io,
                .device = e->device, .progress = e->progress, .userdata = e->userdata,
        };
}

/* The writes: the jbd2 plan, then the fast-commit view as one more
 * transaction (or the journal marked empty), then the superblock. */
static int write_all(struct fcr_engine *e, struct fcr_diag *d) {
        struct fcr_commit c = commit_of(e);
        int r = 0;

        if (e->state == FCR_STATE_REPLAY) {
                r = jbd2_plan_apply(e->journal, e->fs->io, &e->plan, e->progress ? jbd2_progress : NULL, e, d);
                if (r < 0)
                        return r;
        }
        if (e->replay) {
                /* An empty log (only the flag to clear, and orphans) starts afresh. */
                uint32_t start = e->log.next_block ? e->log.next_block : e->jsb.first;
                size_t done = e->state == FCR_STATE_REPLAY ? e->plan.nr_writes : 0;

                r = fcr_commit_view(&c, e->log.end_tid, start, e->commit, e->nr_commit, done, d);
        } else if (e->state == FCR_STATE_REPLAY)
                r = fcr_commit_journal_empty(&c, e->log.end_tid + 1, d);
        if (r < 0)
                return r;
        r = fcr_commit_superblock(e->fs, e->device, e->jsb.errnum != 0, d);
        if (r < 0)
                return r;
        /* Done with the filesystem: the report shows what was opened. */
        fcr_fs_close_nowrite(&e->fs);
        return 0;
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
        /* What was opened and read is what is written: a device re-pointed
         * or written meanwhile is refused, nothing written. */
        r = fcr_fs_recheck(&e->dev, e->fs, d);
        if (r >= 0)
                r = fcr_journal_recheck(e->journal, &e->dev, e->jsb_block, d);
        if (r < 0)
                return r;
        enter(e, FCR_PHASE_WRITING);
        /* From here on a failure may leave blocks written: the caller
         * must not report "nothing written" (fcr_engine_wrote()). */
        e->wrote = true;
        r = write_all(e, d);
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
        fcr_device_close(&e->dev);
        free(e->device);
        free(e);
}
