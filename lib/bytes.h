/* Unaligned big- and little-endian field access for on-disk structures.
 * jbd2 is big-endian, ext4 and fast commits are little-endian; reading
 * through these helpers keeps the parsers free of alignment traps. */
#pragma once
#include <stdint.h>
#include <string.h>

static inline uint16_t get_be16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t) ((b[0] << 8) | b[1]);
}
static inline uint32_t get_be32(const void *p) {
        const uint8_t *b = p;
        return ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
}
static inline uint64_t get_be64(const void *p) {
        return ((uint64_t) get_be32(p) << 32) | get_be32((const uint8_t *) p + 4);
}
static inline void put_be32(void *p, uint32_t v) {
        uint8_t *b = p;
        b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}
static inline uint16_t get_le16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t) (b[0] | (b[1] << 8));
}
static inline uint32_t get_le32(const void *p) {
        const uint8_t *b = p;
        return b[0] | ((uint32_t) b[1] << 8) | ((uint32_t) b[2] << 16) | ((uint32_t) b[3] << 24);
}
static inline void put_le16(void *p, uint16_t v) {
        uint8_t *b = p;
        b[0] = v; b[1] = v >> 8;
}
static inline void put_le32(void *p, uint32_t v) {
        uint8_t *b = p;
        b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24;
}

/* jbd2 transaction ids wrap around: compare them as the kernel does. */
static inline int tid_gt(uint32_t x, uint32_t y) { return (int32_t) (x - y) > 0; }
static inline int tid_geq(uint32_t x, uint32_t y) { return (int32_t) (x - y) >= 0; }
