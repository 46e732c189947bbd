#ifndef MK_SINK_H
#define MK_SINK_H

#include <stdint.h>
#include "mk_sha256.h"

/*
 * Where a download's bytes go: written to `fd` and fed to the streaming SHA-256 as they
 * arrive (no second read). Installed on a curl easy handle with mk_sink_install; curl's
 * write and progress callbacks are C, so the hot path never enters Swift.
 */
typedef struct mk_sink {
    int fd;
    mk_sha256 *sha;
    uint64_t bytes;
    /* Abort with MK_SINK_NO_SPACE once the announced or received size exceeds this; -1: no cap. */
    int64_t max_bytes;
    /* Size the server announced (Content-Length), -1 while unknown. */
    int64_t expected_bytes;
    /* Set from another thread to abort the transfer (checked in the progress callback). */
    volatile int cancel;
    /* 0, an errno from write(), or one of the MK_SINK_* codes below. */
    int error;
} mk_sink;

enum {
    MK_SINK_CANCELED = -1,
    MK_SINK_NO_SPACE = -2,
    MK_SINK_DIGEST_FAILED = -3,
};

/* Sets every field but `cancel` (zero it once when the sink is allocated). */
void mk_sink_init(mk_sink *sink, int fd, mk_sha256 *sha, int64_t max_bytes);
/* Sets WRITEFUNCTION/WRITEDATA and XFERINFOFUNCTION/XFERINFODATA/NOPROGRESS on `curl_easy`. */
int mk_sink_install(void *curl_easy, mk_sink *sink);
void mk_sink_cancel(mk_sink *sink);

#endif
