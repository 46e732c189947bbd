#ifndef MK_SHA256_H
#define MK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MK_SHA256_DIGEST_LENGTH 32

/* Incremental SHA-256 over OpenSSL EVP. One owner creates, feeds, finalizes and frees it. */
typedef struct mk_sha256 mk_sha256;

/* Returns NULL when OpenSSL cannot allocate or initialise a digest context. */
mk_sha256 *mk_sha256_new(void);
/* Feeds `len` bytes. Returns 0, or -1 when OpenSSL reports a failure. */
int mk_sha256_update(mk_sha256 *ctx, const void *data, size_t len);
/* Writes the 32-byte digest and resets the context for reuse. Returns 0 or -1. */
int mk_sha256_final(mk_sha256 *ctx, uint8_t out[MK_SHA256_DIGEST_LENGTH]);
void mk_sha256_free(mk_sha256 *ctx);

/*
 * Streams everything readable from `fd` through `ctx` using the caller's buffer
 * (`buf`, `buf_len` bytes); never holds more than one buffer of the file.
 * Adds the number of bytes read to *total. Returns 0, -errno on a read error,
 * or -EIO when OpenSSL fails.
 */
int mk_sha256_update_fd(mk_sha256 *ctx, int fd, void *buf, size_t buf_len, uint64_t *total);

#endif
