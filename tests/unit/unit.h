/* Shared helpers for the Check unit tests: reference CRCs written
 * independently of the engine, journal images in temporary files, and a
 * journal superblock builder. */
#pragma once
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>
#include "io/journal_io.h"

/* Bitwise CRCs, raw (no pre- or post-inversion: the caller passes the
 * seed), as the kernel's crc32c_le / crc32_be and libext2fs use them. */
uint32_t ref_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t ref_crc32_be(uint32_t crc, const void *buf, size_t len);

/* A journal image: built in memory, then written to a temporary file and
 * opened with libext2fs's unix I/O manager as a struct fcr_journal whose
 * logical blocks are the file's blocks. */
struct test_journal {
        char path[4096];        /* /proc/self/fd/N: the file is already unlinked */
        int fd;
        uint8_t *img;
        uint32_t bs;
        uint64_t nblocks;
        io_channel io;
        struct fcr_journal j;
};

void tj_init(struct test_journal *t, uint32_t bs, uint64_t nblocks);
uint8_t *tj_block(struct test_journal *t, uint64_t b);
/* Write the image to the file and (re)open the channel. */
void tj_sync(struct test_journal *t);
void tj_done(struct test_journal *t);

struct sb_opts {
        uint32_t blocktype;     /* 0 = v2 */
        uint32_t bs;
        uint32_t maxlen;
        uint32_t first;         /* 0 = 1 */
        uint32_t sequence;
        uint32_t start;
        uint32_t compat, incompat, ro_compat;
        uint32_t nfc;
        int csum_type;          /* -1 = 0; 0 = crc32c (4) when csum v2/v3 */
        bool bad_csum;
};

extern const uint8_t test_uuid[16];

/* A 1024-byte journal superblock; the checksum is set (right, or wrong
 * with bad_csum) when v2/v3 checksums are on. */
void make_jsb(uint8_t *buf, const struct sb_opts *o);
/* Recompute the superblock checksum after editing buf. */
void fix_jsb_csum(uint8_t *buf);

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
char *unit_mkdtemp(void);
/* Remove a directory tree made by a test. */
void unit_rmtree(const char *path);

/* With root and a free loop device: path attached (read-only with ro),
 * its node in ret; false, and a line saying the test skips this, when
 * that cannot be (test: the test's name). */
bool unit_loop_attach(const char *test, const char *path, bool ro, char *ret, size_t len);
void unit_loop_detach(const char *loop);

/* Run the suite, print the summary, return the process exit code. */
int unit_run(Suite *s);

/* Case-sensitive substring assertion with a readable failure. */
#define ck_assert_contains(hay, needle) \
        ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' does not contain '%s'", (hay), (needle))
