/* The allocator host: libext2fs's allocation hooks of the replay view,
 * answered by the chosen allocator plugin. */
#pragma once
#include <ext2fs/ext2fs.h>

struct fcr_replay;

/* Hook the replay's filesystem up to its allocator and the block ledger. */
void fcr_alloc_host_install(struct fcr_replay *r);

/* The errno and reason that libext2fs error e stands for: the allocator
 * hook's own when the hook is what failed (libext2fs passes on only
 * "could not allocate"), else e's.  For messages of the replay modules. */
int fcr_alloc_host_reason(const struct fcr_replay *r, errcode_t e, const char **ret_why);
