#include <stdio.h>
#include <string.h>
#include <fcreplay/bytes.h>
#include "jbd2_csum.h"
#include "jbd2_format.h"
#include "jbd2_super.h"

static unsigned tag_bytes(const struct jbd2_super *s) {
        unsigned sz;

        if (jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V3))
                return 16;
        sz = 8;
        if (jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V2))
                sz += 2;
        if (jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_64BIT))
                sz += 4;
        return sz;
}

/* Checksums v2/v3: one kind only, crc32c, the superblock's own right. */
static int check_csum(const uint8_t *buf, struct jbd2_super *s, struct fcr_diag *d) {
        uint32_t want;

        s->csum_v2v3 = jbd2_has_incompat(s, JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3);
        if (!s->csum_v2v3)
                return 0;
        if (jbd2_has_compat(s, JBD2_FEATURE_COMPAT_CHECKSUM))
                return fcr_fail(d, -EUCLEAN, "journal claims both checksum v1 and v2/v3");
        if (s->checksum_type != JBD2_CRC32C_CHKSUM)
                return fcr_fail(d, -EOPNOTSUPP, "journal checksum type %u is not crc32c", s->checksum_type);
        want = fcr_crc32c_skip(~0U, buf, JSB_SIZE, JSB_CHECKSUM);
        if (want != s->checksum)
                return fcr_fail(d, -EBADMSG, "journal superblock checksum mismatch (stored 0x%08x, computed 0x%08x)",
                                s->checksum, want);
        s->csum_seed = fcr_jbd2_seed(s->uuid);
        return 0;
}

int jbd2_super_parse(const uint8_t *buf, uint32_t fs_blocksize, uint64_t nblocks,
                     struct jbd2_super *ret, struct fcr_diag *d) {
        struct jbd2_super s = {};
        uint32_t nfc = 0;
        int r;

        if (get_be32(buf + JBD2_H_MAGIC) != JBD2_MAGIC)
                return fcr_fail(d, -EUCLEAN, "journal superblock has a bad magic number (0x%08x)",
                                get_be32(buf + JBD2_H_MAGIC));
        s.blocktype = get_be32(buf + JBD2_H_BLOCKTYPE);
        if (s.blocktype != JBD2_SUPERBLOCK_V1 && s.blocktype != JBD2_SUPERBLOCK_V2)
                return fcr_fail(d, -EUCLEAN, "journal superblock has unknown block type %u", s.blocktype);

        s.blocksize = get_be32(buf + JSB_BLOCKSIZE);
        s.maxlen = get_be32(buf + JSB_MAXLEN);
        s.first = get_be32(buf + JSB_FIRST);
        s.sequence = get_be32(buf + JSB_SEQUENCE);
        s.start = get_be32(buf + JSB_START);
        s.errnum = (int32_t) get_be32(buf + JSB_ERRNO);
        if (s.blocktype == JBD2_SUPERBLOCK_V2) {
                /* A v1 superblock has no feature fields: they read as zero. */
                s.compat = get_be32(buf + JSB_FEATURE_COMPAT);
                s.incompat = get_be32(buf + JSB_FEATURE_INCOMPAT);
                s.ro_compat = get_be32(buf + JSB_FEATURE_RO_COMPAT);
                s.nr_users = get_be32(buf + JSB_NR_USERS);
                s.checksum_type = buf[JSB_CHECKSUM_TYPE];
                s.num_fc_blks = get_be32(buf + JSB_NUM_FC_BLKS);
                s.checksum = get_be32(buf + JSB_CHECKSUM);
        }
        memcpy(s.uuid, buf + JSB_UUID, 16);

        if (s.blocksize != fs_blocksize)
                return fcr_fail(d, -EUCLEAN, "journal block size %u differs from the filesystem's %u",
                                s.blocksize, fs_blocksize);
        if (s.incompat & ~JBD2_KNOWN_INCOMPAT)
                return fcr_fail(d, -EOPNOTSUPP, "journal has unknown incompatible features 0x%x",
                                s.incompat & ~JBD2_KNOWN_INCOMPAT);
        if (s.ro_compat & ~JBD2_KNOWN_RO_COMPAT)
                return fcr_fail(d, -EOPNOTSUPP, "journal has unknown read-only features 0x%x",
                                s.ro_compat & ~JBD2_KNOWN_RO_COMPAT);
        if (jbd2_has_incompat(&s, JBD2_FEATURE_INCOMPAT_CSUM_V2) &&
            jbd2_has_incompat(&s, JBD2_FEATURE_INCOMPAT_CSUM_V3))
                return fcr_fail(d, -EUCLEAN, "journal claims both checksum v2 and v3");
        r = check_csum(buf, &s, d);
        if (r < 0)
                return r;

        if (s.maxlen > nblocks)
                return fcr_fail(d, -EUCLEAN, "journal claims %u blocks but only %llu exist",
                                s.maxlen, (unsigned long long) nblocks);
        if (jbd2_has_incompat(&s, JBD2_FEATURE_INCOMPAT_FAST_COMMIT))
                nfc = s.num_fc_blks ? s.num_fc_blks : JBD2_DEFAULT_FC_BLOCKS;
        if (s.maxlen < JBD2_MIN_JOURNAL_BLOCKS || nfc > s.maxlen - JBD2_MIN_JOURNAL_BLOCKS)
                return fcr_fail(d, -EUCLEAN, "journal too short: %u blocks, %u of them for fast commits",
                                s.maxlen, nfc);
        s.log_end = s.maxlen - nfc;
        /* The block at log_end belongs to neither area; the kernel's fast
         * commits start right after it. */
        s.fc_first = nfc ? s.log_end + 1 : s.maxlen;
        s.fc_end = s.maxlen;
        if (s.first == 0 || s.first >= s.log_end)
                return fcr_fail(d, -EUCLEAN, "journal's first log block %u lies outside the log [1, %u)",
                                s.first, s.log_end);
        if (s.start != 0 && (s.start < s.first || s.start >= s.log_end))
                return fcr_fail(d, -EUCLEAN, "journal's log start %u lies outside the log [%u, %u)",
                                s.start, s.first, s.log_end);
        s.tag_bytes = tag_bytes(&s);
        *ret = s;
        return 0;
}

bool jbd2_super_owned_by(const uint8_t *buf, const uint8_t uuid[16], uint32_t *ret_nr, const uint8_t **ret_first) {
        uint32_t nr = 0;

        if (get_be32(buf + JBD2_H_MAGIC) == JBD2_MAGIC && get_be32(buf + JBD2_H_BLOCKTYPE) == JBD2_SUPERBLOCK_V2)
                nr = get_be32(buf + JSB_NR_USERS);
        *ret_nr = nr;
        *ret_first = nr > 0 && nr <= JBD2_USERS_MAX ? buf + JSB_USERS : NULL;
        return nr == 1 && memcmp(buf + JSB_USERS, uuid, 16) == 0;
}

void jbd2_super_mark_empty(uint8_t *buf, const struct jbd2_super *s, uint32_t next_tid) {
        put_be32(buf + JSB_SEQUENCE, next_tid);
        put_be32(buf + JSB_START, 0);
        put_be32(buf + JSB_ERRNO, 0);
        if (s->csum_v2v3)
                put_be32(buf + JSB_CHECKSUM, fcr_crc32c_skip(~0U, buf, JSB_SIZE, JSB_CHECKSUM));
}

void jbd2_super_restart(uint8_t *buf, const struct jbd2_super *s, uint32_t start, uint32_t tid) {
        put_be32(buf + JSB_START, start);
        put_be32(buf + JSB_SEQUENCE, tid);
        if (s->csum_v2v3)
                put_be32(buf + JSB_CHECKSUM, fcr_crc32c_skip(~0U, buf, JSB_SIZE, JSB_CHECKSUM));
}

void jbd2_feature_names(const struct jbd2_super *s, char *out, size_t len) {
        static const struct { bool incompat; uint32_t bit; const char *name; } names[] = {
                { false, JBD2_FEATURE_COMPAT_CHECKSUM, "checksum_v1" },
                { true, JBD2_FEATURE_INCOMPAT_REVOKE, "revoke" },
                { true, JBD2_FEATURE_INCOMPAT_64BIT, "64bit" },
                { true, JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT, "async_commit" },
                { true, JBD2_FEATURE_INCOMPAT_CSUM_V2, "checksum_v2" },
                { true, JBD2_FEATURE_INCOMPAT_CSUM_V3, "checksum_v3" },
                { true, JBD2_FEATURE_INCOMPAT_FAST_COMMIT, "fast_commit" },
        };
        size_t used = 0;

        out[0] = '\0';
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                bool set = names[i].incompat ? jbd2_has_incompat(s, names[i].bit)
                                             : jbd2_has_compat(s, names[i].bit);
                if (set && used < len)
                        used += snprintf(out + used, len - used, "%s%s", used ? " " : "", names[i].name);
        }
}
