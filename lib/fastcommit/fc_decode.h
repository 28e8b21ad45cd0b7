/* Decode a fast-commit tag's value into named fields, for people and for
 * JSON.  Validation lives in fc_scan; this only reads. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "fc_scan.h"

struct fc_tag_info {
        uint32_t ino;                   /* ADD/DEL_RANGE, dentries, INODE */
        uint32_t parent;                /* CREAT, LINK, UNLINK */
        char name[256];                 /* CREAT, LINK, UNLINK (NUL added) */
        uint32_t lblk, len;             /* ADD/DEL_RANGE */
        uint64_t pblk;                  /* ADD_RANGE */
        bool unwritten;                 /* ADD_RANGE */
        uint16_t mode, links;           /* INODE */
        uint64_t size;                  /* INODE */
        uint32_t raw_size;              /* INODE: bytes of raw inode */
        uint32_t tid, crc, features;    /* HEAD, TAIL */
};

void fc_tag_decode(const struct fc_tag *t, struct fc_tag_info *ret);
