/* The engine's findings as JSON (json-c): the decoded journal for
 * `inspect`, and what a replay did or would do.  Shared by the offline
 * tool and the daemon. */
#pragma once
#include <json-c/json.h>
#include "engine.h"

/* Journal superblock, every transaction with its blocks and revokes, and
 * the fast-commit area tag by tag. */
struct json_object *fcr_report_inspect(const struct fcr_engine *e);

/* Summary of the replay plan (dry run) or of the replay done. */
struct json_object *fcr_report_replay(const struct fcr_engine *e);
