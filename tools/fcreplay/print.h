/* Human-readable output of fcreplay: the decoded journal and replay
 * summaries. */
#pragma once
#include <stdio.h>
#include "engine.h"

void print_inspect(FILE *f, const struct fcr_engine *e);
void print_replay(FILE *f, const struct fcr_engine *e, bool dry_run);
