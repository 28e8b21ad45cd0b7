/* jbd2 checksums: crc32c (v2/v3) and the old crc32_be commit checksum (v1).
 * The CRC code itself comes from libext2fs. */
#pragma once
#include <stddef.h>
#include <stdint.h>

uint32_t fcr_crc32c(uint32_t seed, const void *buf, size_t len);
uint32_t fcr_crc32_be(uint32_t seed, const void *buf, size_t len);

/* crc32c over buf as if the 4 bytes at csum_off were zero. */
uint32_t fcr_crc32c_skip(uint32_t seed, const void *buf, size_t len, size_t csum_off);

/* Seed for every v2/v3 checksum: crc32c(~0, journal uuid). */
uint32_t fcr_jbd2_seed(const uint8_t uuid[16]);

/* Checksum of a journalled data block as the descriptor tag stores it. */
uint32_t fcr_jbd2_data_csum(uint32_t seed, uint32_t tid, const void *data, size_t len);
