#ifndef MK_HTTP_H
#define MK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "mk_sha256.h"
#include "mk_sink.h" /* mk_throttle_fn */

/*
 * One HTTP request on a curl easy handle, for an object store: a body read from a file range
 * (pread, so several parts of one file go up at once) or from memory, and a response kept in
 * memory (XML, capped) or written to a file. The callbacks are C; Swift sees the outcome.
 */
typedef struct mk_http_body {
    int fd;               /* >= 0: send `length` bytes of this file from `offset` */
    int64_t offset;
    int64_t length;
    const char *data;     /* else these bytes (may be NULL with length 0) */
    int64_t sent;         /* bytes handed to curl so far (live progress) */
    mk_throttle_fn throttle; /* a shared bandwidth cap (NULL: none) */
    void *throttle_ctx;
} mk_http_body;

typedef struct mk_http_response {
    int cancel;              /* set from another thread (mk_http_cancel) to abort; first: init keeps it */
    long status;             /* the last response's status (from its status line, then curl's) */
    char etag[256];
    char content_range[128];
    char last_modified[64];
    char encryption[64];     /* x-amz-server-side-encryption, or "customer" (SSE-C): with aws:kms* or SSE-C the ETag is no MD5 */
    int64_t content_length;  /* -1: not announced */
    /* The body in memory when out_fd < 0, or when the status is not 2xx (an error document;
       at most MK_HTTP_MEMORY_CAP bytes, more is an error). */
    char *body;
    size_t body_len, body_cap;
    int out_fd;              /* >= 0: the body goes to this file */
    uint64_t written;
    char error[256];         /* curl's error text */
    int write_error;         /* errno of a failed write, or MK_HTTP_TOO_LARGE */
} mk_http_response;

#define MK_HTTP_MEMORY_CAP (16 << 20)
enum { MK_HTTP_TOO_LARGE = -2 };

void mk_http_response_init(mk_http_response *response, int out_fd);
/* Aborts the transfer from any thread (within a callback's time); also before it starts. */
void mk_http_cancel(mk_http_response *response);
int mk_http_canceled(mk_http_response *response);
void mk_http_response_free(mk_http_response *response);

/* Performs the request; returns the CURLcode (0: a response came, whatever its status).
 * `headers`: "Name: value" lines. Times: connect limit, and seconds below 1 byte/s before
 * the transfer counts as stalled. */
int mk_http_perform(void *curl, const char *method, const char *url, const char *const *headers, size_t header_count,
                    mk_http_body *body, mk_http_response *response, long connect_timeout_ms, long stall_seconds);

/* MD5 and SHA-256 of `length` bytes of `fd` from `offset` in one read (pread). Returns 0, or -errno. */
int mk_digest_range(int fd, int64_t offset, int64_t length, uint8_t sha256[32], uint8_t md5[16]);

/* MD5 of a buffer (S3's multipart ETag is the MD5 of the parts' MD5s). */
int mk_md5(const void *data, size_t len, uint8_t out[16]);

/* HMAC-SHA256 (SigV4's key derivation and signature). */
int mk_hmac_sha256(const void *key, size_t key_len, const void *data, size_t data_len, uint8_t out[32]);

#endif
