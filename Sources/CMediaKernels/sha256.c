#include "mk_sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

struct mk_sha256 {
    EVP_MD_CTX *md;
};

mk_sha256 *mk_sha256_new(void) {
    mk_sha256 *ctx = OPENSSL_malloc(sizeof *ctx);
    if (!ctx) return NULL;
    ctx->md = EVP_MD_CTX_new();
    if (!ctx->md || EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1) {
        mk_sha256_free(ctx);
        return NULL;
    }
    return ctx;
}

int mk_sha256_update(mk_sha256 *ctx, const void *data, size_t len) {
    if (len == 0) return 0;
    return EVP_DigestUpdate(ctx->md, data, len) == 1 ? 0 : -1;
}

int mk_sha256_final(mk_sha256 *ctx, uint8_t out[MK_SHA256_DIGEST_LENGTH]) {
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx->md, out, &n) != 1 || n != MK_SHA256_DIGEST_LENGTH) return -1;
    return EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

void mk_sha256_free(mk_sha256 *ctx) {
    if (!ctx) return;
    EVP_MD_CTX_free(ctx->md);
    OPENSSL_free(ctx);
}

int mk_sha256_update_fd(mk_sha256 *ctx, int fd, void *buf, size_t buf_len, uint64_t *total) {
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    for (;;) {
        ssize_t n = read(fd, buf, buf_len);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (EVP_DigestUpdate(ctx->md, buf, (size_t)n) != 1) return -EIO;
        *total += (uint64_t)n;
    }
}
