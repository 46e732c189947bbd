#ifndef MK_CRC32_H
#define MK_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The ZIP/gzip CRC-32 of `len` bytes, continuing from `crc` (0 to start): zlib's crc32_z. */
uint32_t mk_crc32(uint32_t crc, const void *data, size_t len);

#endif
