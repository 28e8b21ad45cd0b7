#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcreplay/bytes.h>
#include "journal/jbd2_format.h"
#include "unit.h"

const uint8_t test_uuid[16] = {
        0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
};

uint32_t ref_crc32c(uint32_t crc, const void *buf, size_t len) {
        const uint8_t *p = buf;

        while (len--) {
                crc ^= *p++;
                for (int k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1)));
        }
        return crc;
}

uint32_t ref_crc32_be(uint32_t crc, const void *buf, size_t len) {
        const uint8_t *p = buf;

        while (len--) {
                crc ^= (uint32_t) *p++ << 24;
                for (int k = 0; k < 8; k++)
                        crc = (crc << 1) ^ (0x04C11DB7U & (0U - (crc >> 31)));
        }
        return crc;
}

static const char *tmp_base(void) {
        const char *t = getenv("TMPDIR");

        return t && *t ? t : "/tmp";
}

void tj_init(struct test_journal *t, uint32_t bs, uint64_t nblocks) {
        int fd;

        memset(t, 0, sizeof(*t));
        t->bs = bs;
        t->nblocks = nblocks;
        t->img = calloc(nblocks, bs);
        ck_assert_ptr_nonnull(t->img);
        snprintf(t->path, sizeof(t->path), "%s/fcr-unit-journal.XXXXXX", tmp_base());
        fd = mkstemp(t->path);
        ck_assert_msg(fd >= 0, "mkstemp %s: %s", t->path, strerror(errno));
        /* Unlinked at once, so that a failing test leaves nothing behind:
         * the image lives on through the descriptor. */
        unlink(t->path);
        t->fd = fd;
        snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", fd);
}

uint8_t *tj_block(struct test_journal *t, uint64_t b) {
        ck_assert_uint_lt(b, t->nblocks);
        return t->img + b * t->bs;
}

void tj_sync(struct test_journal *t) {
        size_t len = (size_t) t->nblocks * t->bs;
        errcode_t e;

        ck_assert_int_eq(pwrite(t->fd, t->img, len, 0), (ssize_t) len);
        if (t->io)
                io_channel_close(t->io);
        e = unix_io_manager->open(t->path, IO_FLAG_RW, &t->io);
        ck_assert_msg(e == 0, "cannot open %s: %ld", t->path, (long) e);
        ck_assert_int_eq(io_channel_set_blksize(t->io, t->bs), 0);
        memset(&t->j, 0, sizeof(t->j));
        t->j.io = t->io;
        t->j.blocksize = t->bs;
        t->j.nblocks = t->nblocks;
}

void tj_done(struct test_journal *t) {
        if (t->io)
                io_channel_close(t->io);
        t->io = NULL;
        if (t->fd > 0)
                close(t->fd);
        t->fd = -1;
        free(t->img);
        t->img = NULL;
}

void fix_jsb_csum(uint8_t *buf) {
        put_be32(buf + JSB_CHECKSUM, 0);
        put_be32(buf + JSB_CHECKSUM, ref_crc32c(~0U, buf, JSB_SIZE));
}

void make_jsb(uint8_t *buf, const struct sb_opts *o) {
        uint32_t csum_bits = JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3;

        memset(buf, 0, JSB_SIZE);
        put_be32(buf + JBD2_H_MAGIC, JBD2_MAGIC);
        put_be32(buf + JBD2_H_BLOCKTYPE, o->blocktype ? o->blocktype : JBD2_SUPERBLOCK_V2);
        put_be32(buf + JSB_BLOCKSIZE, o->bs);
        put_be32(buf + JSB_MAXLEN, o->maxlen);
        put_be32(buf + JSB_FIRST, o->first ? o->first : 1);
        put_be32(buf + JSB_SEQUENCE, o->sequence);
        put_be32(buf + JSB_START, o->start);
        put_be32(buf + JSB_FEATURE_COMPAT, o->compat);
        put_be32(buf + JSB_FEATURE_INCOMPAT, o->incompat);
        put_be32(buf + JSB_FEATURE_RO_COMPAT, o->ro_compat);
        memcpy(buf + JSB_UUID, test_uuid, 16);
        put_be32(buf + JSB_NR_USERS, 1);
        put_be32(buf + JSB_NUM_FC_BLKS, o->nfc);
        if (o->incompat & csum_bits) {
                buf[JSB_CHECKSUM_TYPE] = o->csum_type < 0 ? 0 : o->csum_type ? o->csum_type : JBD2_CRC32C_CHKSUM;
                fix_jsb_csum(buf);
                if (o->bad_csum)
                        buf[JSB_CHECKSUM + 3] ^= 0x01;
        }
}

char *unit_mkdtemp(void) {
        char *p;

        ck_assert_int_ge(asprintf(&p, "%s/fcr-unit.XXXXXX", tmp_base()), 0);
        ck_assert_msg(mkdtemp(p) != NULL, "mkdtemp: %s", strerror(errno));
        return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

void unit_rmtree(const char *path) {
        if (path)
                nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int unit_run(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

bool unit_loop_attach(const char *test, const char *path, bool ro, char *ret, size_t len) {
        char cmd[8192];
        FILE *p = NULL;

        ret[0] = '\0';
        snprintf(cmd, sizeof(cmd), "losetup -f --show %s '%s' 2>/dev/null", ro ? "-r" : "", path);
        if (geteuid() == 0)
                p = popen(cmd, "r");
        if (p) {
                if (!fgets(ret, (int) len, p))
                        ret[0] = '\0';
                pclose(p);
                ret[strcspn(ret, "\n")] = '\0';
        }
        if (ret[0] == '/')
                return true;
        printf("%s: skipped (needs root and a loop device)\n", test);
        return false;
}

void unit_loop_detach(const char *loop) {
        char cmd[4200];

        snprintf(cmd, sizeof(cmd), "losetup -d '%s'", loop);
        ck_assert_int_eq(system(cmd), 0);
}
