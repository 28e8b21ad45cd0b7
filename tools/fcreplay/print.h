/* Human-readable output of fcreplay: replay summaries (inspect's is
 * print_inspect.h). */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <fcreplay/engine.h>

void print_replay(FILE *f, struct fcr_engine *e, bool dry_run);
