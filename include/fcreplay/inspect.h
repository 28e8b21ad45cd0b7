/* What `inspect` shows, as a structure, as fcr_engine_result() is for a
 * replay: built from an engine (fcr_engine_inspect()) or read back from
 * its JSON (fcr_inspect_from_json(), for fcreplayctl, which has only the
 * daemon's JSON).  The printers, text and JSON, read this and nothing
 * else.  Every string and array belongs to the view (fcr_inspect_free). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* The longest list inspect shows of each kind (logged blocks, revoke
 * records, fast-commit tags), over the whole log: a crafted log cannot
 * make the report, or the memory behind it, larger.  The totals say what
 * is left out. */
#define FCR_INSPECT_LIST_MAX 16384

struct fcr_inspect_fs {
        bool opened;                    /* block_size, blocks and fast_commit are known */
        uint32_t block_size;
        uint64_t blocks;
        bool fast_commit;
        bool has_journal, needs_recovery, external_journal;
        char *journal_device;           /* an external journal's path, or NULL */
        char *journal_inode_damage;     /* read through the superblock's backup: why, or NULL */
};

struct fcr_inspect_orphan {
        uint32_t ino;
        bool in_file;                   /* from the orphan file, else the list */
        unsigned links;
        uint64_t size;
        char *action;                   /* "delete", "truncate", "unlist" */
        uint64_t blocks_freed;          /* FCR_ORPHANS_RELEASED only */
};

enum fcr_orphans_kind {
        FCR_ORPHANS_ON_DISK,            /* as the device holds them, before any replay */
        FCR_ORPHANS_PLANNED,            /* as the journal replay leaves them, to release */
        FCR_ORPHANS_RELEASED,           /* a replay's report: released (or, dry, would be) */
};

struct fcr_inspect_orphans {
        enum fcr_orphans_kind kind;
        uint32_t list_head, file_ino;
        bool present;                   /* the orphan_present flag */
        char *left_alone;               /* why they are left alone, or NULL */
        char *list_damage;              /* or NULL */
        char *file_damage;              /* FCR_ORPHANS_ON_DISK: the orphan file's, or NULL */
        bool released;                  /* not FCR_ORPHANS_ON_DISK */
        size_t file_blocks;             /* orphan-file blocks with entries */
        struct fcr_inspect_orphan *v;
        size_t n;
};

struct fcr_inspect_jsb {
        unsigned version;
        uint32_t block_size, blocks, first, sequence, start;
        int32_t errnum;
        char **features;
        size_t nr_features;
        char *uuid;
        uint32_t log_end, fc_first, fc_blocks;
};

struct fcr_inspect_block {
        uint64_t fs_block;
        uint32_t log_block;
        bool escaped;
};

struct fcr_inspect_txn {
        uint32_t tid, first_block, log_blocks;
        bool committed, replayed, wraps;
        uint64_t commit_sec;
        uint32_t commit_nsec;
        struct fcr_inspect_block *blocks;
        size_t nr_blocks, blocks_total;         /* listed, logged */
        uint64_t *revokes;
        size_t nr_revokes, revokes_total;       /* listed, in the log */
};

struct fcr_inspect_log {
        uint32_t start_tid, end_tid, end_block;
        char *end_reason;
        bool commit_corrupt;
        bool continues;                 /* the log goes on after its end */
        uint32_t cont_tid, cont_block;
        struct fcr_inspect_txn *txns;
        size_t nr_txns;
};

/* One named field of a tag's description (its plugin's, or the framing's). */
struct fcr_inspect_field {
        char *key;
        enum { FCR_FIELD_NUM, FCR_FIELD_STR, FCR_FIELD_FLAG } type;
        uint64_t num;
        char *str;
        size_t str_len;                 /* names are bytes: they may hold a NUL */
        bool flag;
};

struct fcr_inspect_tag {
        char *name;
        uint16_t tag, len;
        uint32_t block, offset;
        bool committed;
        char *text;
        struct fcr_inspect_field *fields;
        size_t nr_fields;
};

struct fcr_inspect_fc {
        uint32_t expected_tid;
        bool has_head;
        uint32_t head_tid, head_features;
        size_t commits, committed_tags;
        char *end_reason;
        uint32_t end_block, end_offset;
        struct fcr_inspect_tag *tags;
        size_t nr_tags, tags_total;     /* listed, walked */
};

struct fcr_inspect {
        char *device;
        char *state;                    /* fcr_state_str() */
        struct fcr_inspect_fs fs;
        bool has_disk_orphans, has_planned_orphans;
        struct fcr_inspect_orphans disk_orphans, planned_orphans;
        bool has_journal;               /* the journal was read: jsb, log, fc */
        struct fcr_inspect_jsb jsb;
        struct fcr_inspect_log log;
        struct fcr_inspect_fc fc;
};

void fcr_inspect_free(struct fcr_inspect *v);
void fcr_inspect_fs_done(struct fcr_inspect_fs *fs);
void fcr_inspect_orphans_done(struct fcr_inspect_orphans *o);
static inline void fcr_inspect_freep(struct fcr_inspect **v) { fcr_inspect_free(*v); }

/* The view as JSON (inspect --json, the daemon's Inspect): the schema of
 * fcreplay(8). */
struct json_object *fcr_inspect_to_json(const struct fcr_inspect *v);
/* The view read back from that JSON: -EBADMSG when it is not one. */
int fcr_inspect_from_json(struct json_object *j, struct fcr_inspect **ret);

/* Orphans and the filesystem as JSON, for the replay's report too. */
struct json_object *fcr_orphans_to_json(const struct fcr_inspect_orphans *o);
struct json_object *fcr_fs_to_json(const struct fcr_inspect_fs *fs);
