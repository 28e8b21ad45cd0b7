/* The engine's findings for people and programs: inspect's view
 * (<fcreplay/inspect.h>), built from the engine, and both reports as JSON
 * (json-c), shared by the offline tool and the daemon. */
#pragma once
#include <json-c/json.h>
#include <fcreplay/engine.h>
#include <fcreplay/inspect.h>

/* What inspect shows: the filesystem, its orphans on disk and after the
 * journal, the journal superblock, every transaction with its blocks and
 * revoke records, the fast-commit area tag by tag, each described by its
 * plugin (or, for HEAD, TAIL and PAD, by the scan).  After scan or plan;
 * lists at most FCR_INSPECT_LIST_MAX of each kind.  -ENOMEM. */
int fcr_engine_inspect(struct fcr_engine *e, struct fcr_inspect **ret);

/* fcr_engine_inspect() as JSON (fcr_inspect_to_json()); NULL out of memory. */
struct json_object *fcr_report_inspect(struct fcr_engine *e);

/* Summary of the replay plan (dry run) or of the replay done: the
 * engine's result (fcr_engine_result) as JSON. */
struct json_object *fcr_report_replay(struct fcr_engine *e);

/* The parts both views share: the filesystem as opened, and a result's
 * orphans (kind: planned, or released by a replay). */
int fcr_engine_fs_view(const struct fcr_engine *e, struct fcr_inspect_fs *ret);
int fcr_result_orphans_view(const struct fcr_result *r, enum fcr_orphans_kind kind, struct fcr_inspect_orphans *ret);
