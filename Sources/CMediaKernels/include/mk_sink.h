#ifndef MK_SINK_H
#define MK_SINK_H

#include <stdint.h>
#include "mk_sha256.h"

/*
 * Where a download's bytes go: written to `fd` and fed to the streaming SHA-256 as they
 * arrive (no second read). Installed on a curl easy handle with mk_sink_install; curl's
 * write, header and progress callbacks are C, so the hot path never enters Swift (but for
 * the optional throttle).
 *
 * Resuming: when `resume_from` > 0 the file already holds that many bytes (hashed by the
 * caller) and the request asked for the rest with a Range and an If-Range validator. A 206
 * that starts there is appended; any other 2xx means the server sent the whole file (the
 * validator changed, or ranges are not supported): the file is truncated and the hash
 * restarted before the first byte is written. The response's validator is written to
 * `meta_path` (after any truncation, before the first byte), so a crash never leaves bytes
 * that a stale validator would vouch for.
 */

/* Files announced smaller than this are not kept for a resume (no validator file). */
#define MK_SINK_RESUME_MIN (1 << 20)

/* Returns how many nanoseconds to wait after `len` bytes (a shared bandwidth cap); 0: none. */
typedef int64_t (*mk_throttle_fn)(void *ctx, int64_t len);
/* Waits `ns` (what a throttle asked for) in slices of 50 ms, while `*canceled` stays 0. */
void mk_throttle_wait(int64_t ns, const int *canceled);
/* Takes `bytes` of the disk budget for the announced rest of the file; 0, or -1 when they do not fit. */
typedef int (*mk_reserve_fn)(void *ctx, int64_t bytes);

typedef struct mk_sink {
    int fd;
    mk_sha256 *sha;
    /* Bytes in the file, those of an earlier attempt included. Read from other threads
     * through mk_sink_bytes (live progress). */
    uint64_t bytes;
    /* Bytes this transfer received (not counting a resumed prefix). */
    uint64_t received;
    /* Abort with MK_SINK_NO_SPACE once the file would pass this size; -1: no cap. */
    int64_t max_bytes;
    /* Abort with MK_SINK_TOO_LARGE once the file would pass this size (download.max_size); -1: none. */
    int64_t max_size;
    /* Size of the whole file as the server announced it, -1 while unknown. */
    int64_t expected_bytes;
    /* What the file held before this transfer (0: a fresh download). */
    int64_t resume_from;
    /* Set when a resume was refused and the file started over from zero. */
    int restarted;
    /* Set once a validator file was written for this transfer. */
    int meta_written;
    /* The final response's status, validators and range, filled by the header callback. */
    int status;
    int icy;
    int accepts_ranges;
    int64_t range_start;
    char etag[256];
    char last_modified[64];
    /* Where to keep the validator for a later resume (NULL: not resumable). */
    const char *meta_path;
    /* On a resume: the validator sent as If-Range, and the whole size the earlier response
     * announced (-1: unknown). A 206 must carry the same ones. */
    const char *validator;
    int64_t validator_total;
    const char *url;
    mk_throttle_fn throttle;
    void *throttle_ctx;
    mk_reserve_fn reserve;
    void *reserve_ctx;
    /* Set from another thread to abort the transfer (checked in the callbacks). */
    volatile int cancel;
    /* 0, an errno from write(), or one of the MK_SINK_* codes below. */
    int error;
    /* The throttle's wait, for a transfer on a multi handle (one thread runs many transfers, so
     * none may sleep): the monotonic time (ns) before which the next write pauses the transfer
     * (CURL_WRITEFUNC_PAUSE, the bytes stay with curl), and the mark that it did; the loop
     * unpauses it at that time. */
    int64_t resume_at;
    int paused;
} mk_sink;

enum {
    MK_SINK_CANCELED = -1,
    MK_SINK_NO_SPACE = -2,
    MK_SINK_DIGEST_FAILED = -3,
    /* ICY headers: a live stream that never ends. */
    MK_SINK_ENDLESS = -4,
    /* More than max_size bytes (announced or received). */
    MK_SINK_TOO_LARGE = -5,
    /* A 206 that does not continue the kept bytes (another start, size or validator). */
    MK_SINK_BAD_RANGE = -6,
};

/* Sets every field but `cancel` (zero it once when the sink is allocated); resume_from,
 * meta_path, url and the throttle are set by the caller afterwards. */
void mk_sink_init(mk_sink *sink, int fd, mk_sha256 *sha, int64_t max_bytes, int64_t max_size);
/* Sets WRITEFUNCTION/WRITEDATA, HEADERFUNCTION/HEADERDATA and XFERINFOFUNCTION/XFERINFODATA/NOPROGRESS. */
int mk_sink_install(void *curl_easy, mk_sink *sink);
void mk_sink_cancel(mk_sink *sink);
int mk_sink_canceled(const mk_sink *sink);
/* The monotonic clock the throttle's `resume_at` is on, in nanoseconds. */
int64_t mk_monotonic_ns(void);
/* Live progress, safe to read from any thread: the file's size so far, the bytes this
 * transfer received, and the whole size announced (-1 while unknown). */
uint64_t mk_sink_bytes(const mk_sink *sink);
uint64_t mk_sink_received(const mk_sink *sink);
int64_t mk_sink_expected(const mk_sink *sink);

#endif
