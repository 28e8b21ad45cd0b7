/* The engine's findings as JSON (json-c): the decoded journal for
 * `inspect`, and what a replay did or would do.  Shared by the offline
 * tool and the daemon. */
#pragma once
#include <json-c/json.h>
#include <fcreplay/engine.h>

/* Journal superblock, every transaction with its blocks and revokes, and
 * the fast-commit area tag by tag, each described by its plugin ("text",
 * and its fields). */
struct json_object *fcr_report_inspect(struct fcr_engine *e);

/* Summary of the replay plan (dry run) or of the replay done: the
 * engine's result (fcr_engine_result) as JSON. */
struct json_object *fcr_report_replay(struct fcr_engine *e);
