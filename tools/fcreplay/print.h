/* Human-readable output of fcreplay: the decoded journal and replay
 * summaries. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <fcreplay/engine.h>

void print_inspect(FILE *f, struct fcr_engine *e);
void print_replay(FILE *f, struct fcr_engine *e, bool dry_run);
