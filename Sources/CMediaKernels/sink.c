#include "mk_sink.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void mk_sink_init(mk_sink *sink, int fd, mk_sha256 *sha, int64_t max_bytes, int64_t max_size) {
    sink->fd = fd;
    sink->sha = sha;
    sink->bytes = 0;
    sink->received = 0;
    sink->max_bytes = max_bytes;
    sink->max_size = max_size;
    __atomic_store_n(&sink->expected_bytes, -1, __ATOMIC_RELAXED);
    sink->resume_from = 0;
    sink->restarted = 0;
    sink->meta_written = 0;
    sink->status = 0;
    sink->icy = 0;
    sink->accepts_ranges = 0;
    sink->range_start = -1;
    sink->etag[0] = 0;
    sink->last_modified[0] = 0;
    sink->meta_path = NULL;
    sink->validator = NULL;
    sink->validator_total = -1;
    sink->url = NULL;
    sink->throttle = NULL;
    sink->throttle_ctx = NULL;
    sink->reserve = NULL;
    sink->reserve_ctx = NULL;
    /* `cancel` is left as it is: a cancel raised before the transfer starts must hold. */
    sink->error = 0;
    sink->resume_at = 0;
    sink->paused = 0;
}

static int is_canceled(mk_sink *sink) { return __atomic_load_n(&sink->cancel, __ATOMIC_RELAXED) != 0; }

/* Copies a header's value (trimmed) into `out`. */
static void header_value(const char *value, size_t len, char *out, size_t out_len) {
    while (len > 0 && (*value == ' ' || *value == '\t')) { value++; len--; }
    while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' || value[len - 1] == ' ')) len--;
    if (len >= out_len) len = out_len - 1;
    memcpy(out, value, len);
    out[len] = 0;
}

static int has_prefix(const char *line, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(line, prefix, n) == 0;
}

/* The validator a later attempt sends as If-Range, beside the URL it belongs to and the
 * whole file's size; written under a temporary name and renamed. */
static int write_meta(mk_sink *sink) {
    if (!sink->meta_path) return 0;
    /* A small file is fetched again faster than its validator is kept: one file less to create
     * and delete per item (file creation dominates an ingest of small files). */
    if (sink->expected_bytes >= 0 && sink->expected_bytes < MK_SINK_RESUME_MIN) {
        if (sink->resume_from > 0) unlink(sink->meta_path);
        return 0;
    }
    int strong_etag = sink->etag[0] && strncmp(sink->etag, "W/", 2) != 0;
    if (!sink->accepts_ranges || (!strong_etag && !sink->last_modified[0])) {
        unlink(sink->meta_path);  /* nothing a resume could rely on */
        return 0;
    }
    char temp[4096];
    if (snprintf(temp, sizeof temp, "%s.new", sink->meta_path) >= (int)sizeof temp) return -1;
    int fd = open(temp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);  /* the URL may carry a token */
    if (fd < 0) return -1;
    FILE *file = fdopen(fd, "w");
    if (!file) {
        close(fd);
        return -1;
    }
    fprintf(file, "%s\n%s\n%lld\n", sink->url ? sink->url : "", strong_etag ? sink->etag : sink->last_modified,
            (long long)sink->expected_bytes);
    if (fclose(file) != 0) return -1;
    if (rename(temp, sink->meta_path) != 0) return -1;
    sink->meta_written = 1;
    return 0;
}

/* The end of a final response's headers: decide between append, restart and refusal. */
static int headers_done(mk_sink *sink) {
    if (sink->icy) {
        sink->error = MK_SINK_ENDLESS;
        return -1;
    }
    if (sink->status < 200 || sink->status >= 300) return 0;  /* an error status: curl fails it */
    if (sink->status == 206) {
        /* Only the rest of the very file whose head is kept may be appended: same start, same
         * whole size, same validator (a server that ignores If-Range may answer with another). */
        int same_start = sink->resume_from > 0 && sink->range_start == sink->resume_from;
        int same_total = sink->validator_total < 0 || sink->expected_bytes == sink->validator_total;
        int same_validator = !sink->validator
            || (!sink->etag[0] && !sink->last_modified[0])
            || strcmp(sink->validator, sink->etag) == 0 || strcmp(sink->validator, sink->last_modified) == 0;
        if (!same_start || !same_total || !same_validator) {
            sink->error = MK_SINK_BAD_RANGE;
            return -1;
        }
    } else if (sink->resume_from > 0) {
        /* The whole file again: drop what the earlier attempt had. */
        if (ftruncate(sink->fd, 0) != 0 || lseek(sink->fd, 0, SEEK_SET) != 0) {
            sink->error = errno;
            return -1;
        }
        uint8_t discard[MK_SHA256_DIGEST_LENGTH];
        if (mk_sha256_final(sink->sha, discard) != 0) {  /* resets the context */
            sink->error = MK_SINK_DIGEST_FAILED;
            return -1;
        }
        sink->resume_from = 0;
        sink->restarted = 1;
        __atomic_store_n(&sink->bytes, 0, __ATOMIC_RELAXED);
    }
    if (sink->max_size >= 0 && sink->expected_bytes > sink->max_size) {
        sink->error = MK_SINK_TOO_LARGE;
        return -1;
    }
    if (sink->reserve && sink->expected_bytes > sink->resume_from
        && sink->reserve(sink->reserve_ctx, sink->expected_bytes - sink->resume_from) != 0) {
        sink->error = MK_SINK_NO_SPACE;  /* the disk budget cannot hold what is announced */
        return -1;
    }
    if (sink->status == 206 && sink->resume_from > 0) return 0;  /* appending: the validator still holds */
    if (write_meta(sink) != 0) {
        sink->error = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

static size_t mk_sink_header(char *line, size_t size, size_t nitems, void *userdata) {
    mk_sink *sink = userdata;
    size_t len = size * nitems;
    if (has_prefix(line, len, "HTTP/") || has_prefix(line, len, "ICY ")) {
        /* A new response (after a redirect or a 100): forget the last one's headers. */
        const char *space = memchr(line, ' ', len);
        sink->status = space ? atoi(space + 1) : 0;
        sink->icy = has_prefix(line, len, "ICY ");
        sink->accepts_ranges = 0;
        sink->range_start = -1;
        sink->etag[0] = 0;
        sink->last_modified[0] = 0;
        __atomic_store_n(&sink->expected_bytes, -1, __ATOMIC_RELAXED);
    } else if (has_prefix(line, len, "icy-")) {
        sink->icy = 1;
    } else if (has_prefix(line, len, "etag:")) {
        header_value(line + 5, len - 5, sink->etag, sizeof sink->etag);
    } else if (has_prefix(line, len, "last-modified:")) {
        header_value(line + 14, len - 14, sink->last_modified, sizeof sink->last_modified);
    } else if (has_prefix(line, len, "accept-ranges:")) {
        char value[32];
        header_value(line + 14, len - 14, value, sizeof value);
        sink->accepts_ranges = strcasecmp(value, "bytes") == 0;
    } else if (has_prefix(line, len, "content-range:")) {
        char value[128];
        header_value(line + 14, len - 14, value, sizeof value);
        long long start, end, total;
        if (sscanf(value, "bytes %lld-%lld/%lld", &start, &end, &total) == 3) {
            sink->range_start = start;
            __atomic_store_n(&sink->expected_bytes, (int64_t)total, __ATOMIC_RELAXED);
            sink->accepts_ranges = 1;
        }
    } else if (has_prefix(line, len, "content-length:") && sink->range_start < 0) {
        char value[32];
        header_value(line + 15, len - 15, value, sizeof value);
        __atomic_store_n(&sink->expected_bytes, (int64_t)atoll(value), __ATOMIC_RELAXED);
    } else if (len <= 2 && (line[0] == '\r' || line[0] == '\n')) {
        if (sink->status >= 200 && !(sink->status >= 300 && sink->status < 400)) {
            if (headers_done(sink) != 0) return 0;
        }
    }
    return len;
}

void mk_throttle_wait(int64_t ns, const int *canceled) {
    while (ns > 0 && !__atomic_load_n(canceled, __ATOMIC_RELAXED)) {
        int64_t slice = ns < 50000000 ? ns : 50000000;
        struct timespec wait = {slice / 1000000000, slice % 1000000000};
        nanosleep(&wait, NULL);
        ns -= slice;
    }
}

int64_t mk_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static size_t mk_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
    mk_sink *sink = userdata;
    size_t len = size * nmemb;
    if (sink->error) return 0;  /* an earlier write failed: nothing after it may land in the file */
    if (sink->throttle && sink->resume_at > mk_monotonic_ns()) {
        sink->paused = 1;  /* the cap's wait: curl keeps these bytes until the loop unpauses */
        return CURL_WRITEFUNC_PAUSE;
    }
    uint64_t after = sink->bytes + len;
    if (sink->max_size >= 0 && after > (uint64_t)sink->max_size) {
        sink->error = MK_SINK_TOO_LARGE;
        return 0;
    }
    if (sink->max_bytes >= 0 && after > (uint64_t)sink->max_bytes) {
        sink->error = MK_SINK_NO_SPACE;
        return 0;
    }
    if (mk_sha256_update(sink->sha, ptr, len) != 0) {
        sink->error = MK_SINK_DIGEST_FAILED;
        return 0;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(sink->fd, ptr + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            sink->error = errno;
            return 0;
        }
        done += (size_t)n;
    }
    __atomic_store_n(&sink->received, sink->received + len, __ATOMIC_RELAXED);
    __atomic_store_n(&sink->bytes, after, __ATOMIC_RELAXED);
    if (sink->throttle) {
        int64_t wait = sink->throttle(sink->throttle_ctx, (int64_t)len);
        if (wait > 0) sink->resume_at = mk_monotonic_ns() + wait;
    }
    if (is_canceled(sink)) {
        sink->error = MK_SINK_CANCELED;
        return 0;
    }
    return len;
}

static int mk_sink_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    mk_sink *sink = userdata;
    if (is_canceled(sink)) {
        sink->error = MK_SINK_CANCELED;
        return 1;
    }
    if (sink->expected_bytes > 0 && sink->max_bytes >= 0 && sink->expected_bytes > sink->max_bytes) {
        sink->error = MK_SINK_NO_SPACE;
        return 1;
    }
    return 0;
}

int mk_sink_install(void *curl_easy, mk_sink *sink) {
    CURL *h = curl_easy;
    if (curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mk_sink_write) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_WRITEDATA, sink) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, mk_sink_header) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_HEADERDATA, sink) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, mk_sink_progress) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_XFERINFODATA, sink) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK) return -1;
    return 0;
}

void mk_sink_cancel(mk_sink *sink) {
    __atomic_store_n(&sink->cancel, 1, __ATOMIC_RELAXED);
}

int mk_sink_canceled(const mk_sink *sink) {
    return __atomic_load_n(&sink->cancel, __ATOMIC_RELAXED) != 0;
}

uint64_t mk_sink_bytes(const mk_sink *sink) {
    return __atomic_load_n(&sink->bytes, __ATOMIC_RELAXED);
}

uint64_t mk_sink_received(const mk_sink *sink) {
    return __atomic_load_n(&sink->received, __ATOMIC_RELAXED);
}

int64_t mk_sink_expected(const mk_sink *sink) {
    return __atomic_load_n(&sink->expected_bytes, __ATOMIC_RELAXED);
}
