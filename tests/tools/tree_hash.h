/* The content hash of the tree dumps (fcr-fctree on an image, the
 * workload's live tree on a mounted filesystem): crc32c over each
 * non-zero chunk and its offset, so that holes and zeros hash alike. */
#pragma once
#include <stdint.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

static inline uint32_t tree_hash_chunk(uint32_t h, uint64_t off, const char *buf, size_t len) {
        static const char zero[4096];
        unsigned char le[8];

        if (len <= sizeof(zero) && memcmp(buf, zero, len) == 0)
                return h;
        for (int i = 0; i < 8; i++)
                le[i] = off >> (8 * i);
        h = ext2fs_crc32c_le(h, le, sizeof(le));
        return ext2fs_crc32c_le(h, (const unsigned char *) buf, len);
}
