#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_journal.h"

struct fcr_journal *fuzz_journal_new(uint32_t bs, uint64_t nblocks, const struct fuzz_piece *pieces, size_t n) {
        struct fcr_journal *j;
        char path[64];
        io_channel io;
        int fd;

        fd = memfd_create("fcr-fuzz", MFD_CLOEXEC);
        if (fd < 0)
                return NULL;
        if (ftruncate(fd, (off_t) (nblocks * bs)) < 0) {
                close(fd);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                if (pieces[i].len && pwrite(fd, pieces[i].data, pieces[i].len, (off_t) pieces[i].offset) !=
                                             (ssize_t) pieces[i].len) {
                        close(fd);
                        return NULL;
                }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (unix_io_manager->open(path, 0, &io)) {
                close(fd);
                return NULL;
        }
        close(fd);      /* the channel holds its own descriptor */
        io_channel_set_blksize(io, (int) bs);
        j = calloc(1, sizeof(*j));
        if (!j) {
                io_channel_close(io);
                return NULL;
        }
        j->io = io;
        j->blocksize = bs;
        j->nblocks = nblocks;
        return j;
}

void fuzz_journal_free(struct fcr_journal *j) {
        if (!j)
                return;
        io_channel_close(j->io);
        free(j);
}
