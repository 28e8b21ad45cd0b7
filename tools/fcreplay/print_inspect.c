#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "print_inspect.h"

/* Missing keys read as 0, false or "": the report leaves out what does
 * not apply (a HEAD tid, an external journal's path). */
static struct json_object *get(struct json_object *o, const char *key) {
        struct json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool has(struct json_object *o, const char *key) {
        return get(o, key) != NULL;
}

/* Numbers are unsigned on disk: 32-bit fields print through (unsigned),
 * 64-bit ones through (uint64_t), which undoes json-c's int64. */
static uint64_t num(struct json_object *o, const char *key) {
        return (uint64_t) json_object_get_int64(get(o, key));
}

static unsigned u32(struct json_object *o, const char *key) {
        return (unsigned) num(o, key);
}

static bool flag(struct json_object *o, const char *key) {
        return json_object_get_boolean(get(o, key));
}

static const char *str(struct json_object *o, const char *key) {
        const char *s = json_object_get_string(get(o, key));

        return s ? s : "";
}

static size_t len(struct json_object *o, const char *key) {
        struct json_object *a = get(o, key);

        return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static struct json_object *at(struct json_object *o, const char *key, size_t i) {
        return json_object_array_get_idx(get(o, key), i);
}

static void print_fs(FILE *f, struct json_object *r) {
        struct json_object *fs = get(r, "filesystem");

        fprintf(f, "Filesystem %s: %u-byte blocks, %" PRIu64 " blocks, %s%s\n", str(r, "device"),
                u32(fs, "block_size"), num(fs, "blocks"),
                !flag(fs, "has_journal") ? "no journal"
                : !strcmp(str(fs, "journal"), "external") ? "external journal" : "internal journal",
                flag(fs, "needs_recovery") ? ", needs recovery" : "");
        if (!strcmp(str(fs, "journal_map"), "superblock_backup"))
                fprintf(f, "  journal read through the superblock's backup of its inode: %s\n",
                        str(fs, "journal_inode_damage"));
}

/* on_disk: as the device holds them now; else as the journal replay
 * leaves them, what a replay would release. */
static void print_orphan_list(FILE *f, struct json_object *o, bool on_disk) {
        fprintf(f, "%s: list head %u", on_disk ? "Orphans on disk now (before the journal replay)" :
                "Orphans after the journal replay (a replay would release them)", u32(o, "list_head"));
        if (u32(o, "orphan_file_inode"))
                fprintf(f, ", orphan file inode %u (%u block(s) with entries)", u32(o, "orphan_file_inode"),
                        u32(o, "orphan_file_blocks_with_entries"));
        fprintf(f, "%s\n", flag(o, "orphan_present") ? ", orphan_present set" : "");
        if (*str(o, "left_alone_because"))
                fprintf(f, "  left alone: %s\n", str(o, "left_alone_because"));
        if (*str(o, "list_damage"))
                fprintf(f, "  the list is damaged: %s (the orphans before it are released, the head cleared)\n",
                        str(o, "list_damage"));
        if (*str(o, "orphan_file_damage"))
                fprintf(f, "  the orphan file is damaged: %s\n", str(o, "orphan_file_damage"));
        for (size_t i = 0; i < len(o, "inodes"); i++) {
                struct json_object *x = at(o, "inodes", i);

                fprintf(f, "  ino %u (%s): %u links, size %" PRIu64 ": %s\n", u32(x, "ino"),
                        !strcmp(str(x, "source"), "orphan_file") ? "orphan file" : "list", u32(x, "links"),
                        num(x, "size"), str(x, "action"));
        }
}

static void print_jsb(FILE *f, struct json_object *s) {
        fprintf(f, "Journal superblock: v%u, %u blocks of %u bytes, first %u, sequence %u, start %u, errno %d\n",
                u32(s, "version"), u32(s, "blocks"), u32(s, "block_size"), u32(s, "first"), u32(s, "sequence"),
                u32(s, "start"), (int) num(s, "errno"));
        fprintf(f, "  features:");
        for (size_t i = 0; i < len(s, "features"); i++)
                fprintf(f, " %s", json_object_get_string(at(s, "features", i)));
        fprintf(f, "%s\n", len(s, "features") ? "" : " (none)");
        fprintf(f, "  log area [%u, %u)", u32(s, "first"), u32(s, "log_end"));
        if (u32(s, "fc_blocks"))
                fprintf(f, ", fast-commit area [%u, %u) (%u blocks)", u32(s, "fc_first"),
                        u32(s, "fc_first") + u32(s, "fc_blocks"), u32(s, "fc_blocks"));
        fputc('\n', f);
}

/* Any 64-bit value may be there (old ext3 commit blocks have leftover
 * bytes; some writers put the seconds in the high half): one that no
 * calendar date holds is shown as a number. */
static void print_commit_time(FILE *f, uint64_t commit_sec) {
        time_t sec = (time_t) commit_sec;
        char when[64];
        struct tm tm;

        if (commit_sec <= INT64_MAX && (uint64_t) sec == commit_sec && gmtime_r(&sec, &tm) &&
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
                fprintf(f, ", committed %s", when);
        else
                fprintf(f, ", committed at %" PRIu64 " s (not a calendar date)", commit_sec);
}

static void print_txn(FILE *f, struct json_object *t) {
        fprintf(f, "  transaction %u at log block %u: %u log blocks, %zu data, %zu revokes, %s%s", u32(t, "tid"),
                u32(t, "first_block"), u32(t, "log_blocks"), len(t, "blocks"), len(t, "revokes"),
                flag(t, "replayed") ? "replay" : flag(t, "committed") ? "committed, not replayed" : "incomplete, ignored",
                flag(t, "wraps") ? ", wraps" : "");
        if (flag(t, "committed"))
                print_commit_time(f, num(t, "commit_sec"));
        fputc('\n', f);
        for (size_t i = 0; i < len(t, "blocks"); i++) {
                struct json_object *b = at(t, "blocks", i);

                fprintf(f, "    block %" PRIu64 " <- log %u%s\n", num(b, "fs_block"), u32(b, "log_block"),
                        flag(b, "escaped") ? " (escaped)" : "");
        }
        for (size_t i = 0; i < len(t, "revokes"); i++)
                fprintf(f, "    revoke %" PRIu64 "\n", (uint64_t) json_object_get_int64(at(t, "revokes", i)));
}

static void print_log(FILE *f, struct json_object *s, struct json_object *l) {
        if (u32(s, "start") == 0)
                fprintf(f, "Log: empty (s_start is 0)\n");
        else
                fprintf(f, "Log: transactions %u..%u replayable; walk ended at log block %u: %s\n",
                        u32(l, "start_tid"), u32(l, "end_tid") - 1, u32(l, "end_block"), str(l, "end_reason"));
        if (flag(l, "commit_corrupt"))
                fprintf(f, "  DAMAGED: transaction %u has a bad commit checksum and the journal has no async commit\n",
                        u32(l, "end_tid"));
        if (has(l, "continues_tid"))
                fprintf(f, "  DAMAGED: transaction %u continues at log block %u, after the end\n",
                        u32(l, "continues_tid"), u32(l, "continues_block"));
        for (size_t i = 0; i < len(l, "transactions"); i++)
                print_txn(f, at(l, "transactions", i));
}

/* Each tag's plugin wrote its "text". */
static void print_fc_tag(FILE *f, struct json_object *t) {
        fprintf(f, "  [%u:%u]%s %-9s %s\n", u32(t, "block"), u32(t, "offset"),
                flag(t, "committed") ? "" : " (uncommitted)", str(t, "tag"), str(t, "text"));
}

static void print_fc(FILE *f, struct json_object *s, struct json_object *l) {
        if (!u32(s, "fc_blocks"))
                return;
        fprintf(f, "Fast-commit area: expected tid %u", u32(l, "expected_tid"));
        if (has(l, "head_tid"))
                fprintf(f, ", HEAD tid %u", u32(l, "head_tid"));
        fprintf(f, "; %u commit(s), %u committed tags; scan ended at [%u:%u]: %s\n", u32(l, "commits"),
                u32(l, "committed_tags"), u32(l, "end_block"), u32(l, "end_offset"), str(l, "end_reason"));
        for (size_t i = 0; i < len(l, "tags"); i++)
                print_fc_tag(f, at(l, "tags", i));
}

void print_inspect_report(FILE *f, struct json_object *r) {
        struct json_object *j = get(r, "journal");

        print_fs(f, r);
        if (has(r, "orphans"))
                print_orphan_list(f, get(r, "orphans"), true);
        if (has(r, "orphans_after_replay"))
                print_orphan_list(f, get(r, "orphans_after_replay"), false);
        if (!flag(get(r, "filesystem"), "has_journal") || !j)
                return;
        print_jsb(f, get(j, "superblock"));
        print_log(f, get(j, "superblock"), get(j, "log"));
        print_fc(f, get(j, "superblock"), get(j, "fast_commit"));
}
