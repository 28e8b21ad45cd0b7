#include <ext2fs/ext2fs.h>
#include <fcreplay/bytes.h>
#include "jbd2_csum.h"

uint32_t fcr_crc32c(uint32_t seed, const void *buf, size_t len) {
        return ext2fs_crc32c_le(seed, buf, len);
}

uint32_t fcr_crc32_be(uint32_t seed, const void *buf, size_t len) {
        return ext2fs_crc32_be(seed, buf, len);
}

uint32_t fcr_crc32c_skip(uint32_t seed, const void *buf, size_t len, size_t csum_off) {
        static const uint8_t zero[4];
        const uint8_t *b = buf;
        uint32_t c;

        c = fcr_crc32c(seed, b, csum_off);
        c = fcr_crc32c(c, zero, sizeof(zero));
        return fcr_crc32c(c, b + csum_off + 4, len - csum_off - 4);
}

uint32_t fcr_jbd2_seed(const uint8_t uuid[16]) {
        return fcr_crc32c(~0U, uuid, 16);
}

uint32_t fcr_jbd2_data_csum(uint32_t seed, uint32_t tid, const void *data, size_t len) {
        uint8_t seq[4];

        put_be32(seq, tid);
        return fcr_crc32c(fcr_crc32c(seed, seq, sizeof(seq)), data, len);
}
