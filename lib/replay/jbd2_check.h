/* What a jbd2 replay may write.  A transaction logs metadata blocks
 * anywhere in the filesystem, the superblock included (the kernel's
 * recovery writes it), but never the journal's own blocks: the log would
 * be overwritten while it is replayed.  And what it writes over the
 * filesystem's own metadata must still be that metadata: a superblock of
 * this filesystem that opens, descriptors whose checksums hold and, with
 * metadata_csum, bitmaps and inodes whose checksums hold, as the kernel
 * computed them before it logged them.  The kernel and e2fsck write
 * whatever the log holds once the log's own checksums pass; a replay of
 * whatever device is plugged in must not. */
#pragma once
#include <ext2fs/ext2fs.h>
#include <fcreplay/diag.h>
#include "io/journal_io.h"
#include "journal/jbd2_plan.h"

/* fs: the filesystem as opened (superblock only); the plan's fixup, if
 * set, applies.  -EUCLEAN with the reason; writes nothing. */
int fcr_jbd2_check_plan(ext2_filsys fs, struct fcr_journal *j, const struct jbd2_plan *p, struct fcr_diag *d);
