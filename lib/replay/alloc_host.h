/* The allocator host: libext2fs's allocation hooks of the replay view,
 * answered by the chosen allocator plugin. */
#pragma once

struct fcr_replay;

/* Hook the replay's filesystem up to its allocator and the block ledger. */
void fcr_alloc_host_install(struct fcr_replay *r);
