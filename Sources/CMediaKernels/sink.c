#include "mk_sink.h"

#include <curl/curl.h>
#include <errno.h>
#include <unistd.h>

void mk_sink_init(mk_sink *sink, int fd, mk_sha256 *sha, int64_t max_bytes) {
    sink->fd = fd;
    sink->sha = sha;
    sink->bytes = 0;
    sink->max_bytes = max_bytes;
    sink->expected_bytes = -1;
    /* `cancel` is left as it is: a cancel raised before the transfer starts must hold. */
    sink->error = 0;
}

static size_t mk_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
    mk_sink *sink = userdata;
    size_t len = size * nmemb;
    if (sink->max_bytes >= 0 && sink->bytes + len > (uint64_t)sink->max_bytes) {
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
    sink->bytes += len;
    return len;
}

static int mk_sink_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dlnow; (void)ultotal; (void)ulnow;
    mk_sink *sink = userdata;
    if (__atomic_load_n(&sink->cancel, __ATOMIC_RELAXED)) {
        sink->error = MK_SINK_CANCELED;
        return 1;
    }
    if (dltotal > 0) {
        sink->expected_bytes = dltotal;
        if (sink->max_bytes >= 0 && dltotal > sink->max_bytes) {
            sink->error = MK_SINK_NO_SPACE;
            return 1;
        }
    }
    return 0;
}

int mk_sink_install(void *curl_easy, mk_sink *sink) {
    CURL *h = curl_easy;
    if (curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mk_sink_write) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_WRITEDATA, sink) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, mk_sink_progress) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_XFERINFODATA, sink) != CURLE_OK) return -1;
    if (curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK) return -1;
    return 0;
}

void mk_sink_cancel(mk_sink *sink) {
    __atomic_store_n(&sink->cancel, 1, __ATOMIC_RELAXED);
}
