#include "mk_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void mk_http_response_init(mk_http_response *r, int out_fd) {
    /* Everything but `cancel` (the first field): a cancel raised before the transfer starts must hold. */
    memset((char *)r + offsetof(mk_http_response, status), 0, sizeof *r - offsetof(mk_http_response, status));
    r->out_fd = out_fd;
    r->content_length = -1;
}

static int is_canceled(mk_http_response *r) { return __atomic_load_n(&r->cancel, __ATOMIC_RELAXED) != 0; }

void mk_http_cancel(mk_http_response *r) { __atomic_store_n(&r->cancel, 1, __ATOMIC_RELAXED); }

int mk_http_canceled(mk_http_response *r) { return is_canceled(r); }

void mk_http_response_free(mk_http_response *r) {
    free(r->body);
    r->body = NULL;
    r->body_len = r->body_cap = 0;
}

static size_t on_body(char *data, size_t size, size_t count, void *opaque) {
    mk_http_response *r = opaque;
    size_t len = size * count;
    if (is_canceled(r)) return 0;
    if (r->out_fd >= 0 && r->status >= 200 && r->status < 300) {
        size_t done = 0;
        while (done < len) {
            ssize_t n = write(r->out_fd, data + done, len - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                r->write_error = errno;
                return 0;
            }
            done += (size_t)n;
        }
        r->written += len;
        return len;
    }
    if (r->body_len + len > MK_HTTP_MEMORY_CAP) {
        r->write_error = MK_HTTP_TOO_LARGE;
        return 0;
    }
    if (r->body_len + len + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + len + 1) cap *= 2;
        char *grown = realloc(r->body, cap);
        if (!grown) {
            r->write_error = ENOMEM;
            return 0;
        }
        r->body = grown;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return len;
}

/* Copies a header's value (trimmed) when the line is that header. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t out_size) {
    size_t name_len = strlen(name);
    if (len <= name_len + 1 || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':') return;
    const char *value = line + name_len + 1;
    size_t value_len = len - name_len - 1;
    while (value_len && (*value == ' ' || *value == '\t')) value++, value_len--;
    while (value_len && (value[value_len - 1] == '\r' || value[value_len - 1] == '\n' || value[value_len - 1] == ' ')) value_len--;
    if (value_len >= out_size) value_len = out_size - 1;
    memcpy(out, value, value_len);
    out[value_len] = '\0';
}

static size_t on_header(char *line, size_t size, size_t count, void *opaque) {
    mk_http_response *r = opaque;
    size_t len = size * count;
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response (after a 100 Continue, say) */
        r->etag[0] = r->content_range[0] = r->encryption[0] = r->last_modified[0] = '\0';
        r->content_length = -1;
        const char *space = memchr(line, ' ', len);
        r->status = space ? strtol(space + 1, NULL, 10) : 0;
        return len;
    }
    char customer[64] = {0};
    header_value(line, len, "x-amz-server-side-encryption-customer-algorithm", customer, sizeof customer);
    if (customer[0]) snprintf(r->encryption, sizeof r->encryption, "customer");
    else if (strcmp(r->encryption, "customer") != 0)
        header_value(line, len, "x-amz-server-side-encryption", r->encryption, sizeof r->encryption);
    header_value(line, len, "ETag", r->etag, sizeof r->etag);
    header_value(line, len, "Content-Range", r->content_range, sizeof r->content_range);
    header_value(line, len, "Last-Modified", r->last_modified, sizeof r->last_modified);
    char length[32] = {0};
    header_value(line, len, "Content-Length", length, sizeof length);
    if (length[0]) r->content_length = strtoll(length, NULL, 10);
    return len;
}

typedef struct read_state {
    mk_http_body *body;
    mk_http_response *response;
} read_state;

static size_t on_read(char *buffer, size_t size, size_t count, void *opaque) {
    read_state *state = opaque;
    mk_http_body *b = state->body;
    if (is_canceled(state->response)) return CURL_READFUNC_ABORT;
    size_t want = size * count;
    int64_t left = b->length - b->sent;
    if (left <= 0) return 0;
    if ((int64_t)want > left) want = (size_t)left;
    if (b->fd >= 0) {
        ssize_t n;
        do n = pread(b->fd, buffer, want, b->offset + b->sent);
        while (n < 0 && errno == EINTR);
        if (n <= 0) return CURL_READFUNC_ABORT;
        b->sent += n;
        if (b->throttle) mk_throttle_wait(b->throttle(b->throttle_ctx, n), &state->response->cancel);
        return (size_t)n;
    }
    memcpy(buffer, b->data + b->sent, want);
    b->sent += (int64_t)want;
    return want;
}

/* curl rewinds the body to send it again on a new connection (a reused one that had died). */
static int on_seek(void *opaque, curl_off_t offset, int origin) {
    read_state *state = opaque;
    if (origin != SEEK_SET || offset < 0 || offset > state->body->length) return CURL_SEEKFUNC_CANTSEEK;
    state->body->sent = offset;
    return CURL_SEEKFUNC_OK;
}

/* The request body comes from on_read (and rewinds through on_seek). */
static void read_body_from(CURL *h, read_state *state) {
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, state);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, state);
}

static int on_progress(void *opaque, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return is_canceled(opaque) ? 1 : 0;
}

int mk_http_perform(void *curl, const char *method, const char *url, const char *const *headers, size_t header_count,
                    mk_http_body *body, mk_http_response *r, long connect_timeout_ms, long stall_seconds) {
    CURL *h = curl;
    read_state state = {body, r};
    if (is_canceled(r)) return CURLE_ABORTED_BY_CALLBACK;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    /* No "Expect: 100-continue" round trip: the request is signed, the server answers at once. */
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_seconds);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (body && (body->fd >= 0 || body->length > 0) && strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        read_body_from(h, &state);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->length);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (body && body->length > 0) {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
            read_body_from(h, &state);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->length);
        } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
    }
    int code = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    return code;
}

int mk_digest_range(int fd, int64_t offset, int64_t length, uint8_t sha256[32], uint8_t md5[16]) {
    EVP_MD_CTX *s = EVP_MD_CTX_new(), *m = EVP_MD_CTX_new();
    int result = 0;
    char *buffer = malloc(1 << 18);
    if (!s || !m || !buffer || !EVP_DigestInit_ex(s, EVP_sha256(), NULL) || !EVP_DigestInit_ex(m, EVP_md5(), NULL)) {
        result = -ENOMEM;
        goto done;
    }
    int64_t done = 0;
    while (done < length) {
        size_t want = (size_t)(length - done < (1 << 18) ? length - done : (1 << 18));
        ssize_t n = pread(fd, buffer, want, offset + done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            result = n < 0 ? -errno : -EIO;
            goto done;
        }
        if (!EVP_DigestUpdate(s, buffer, (size_t)n) || !EVP_DigestUpdate(m, buffer, (size_t)n)) {
            result = -EIO;
            goto done;
        }
        done += n;
    }
    unsigned int len = 0;
    if (!EVP_DigestFinal_ex(s, sha256, &len) || !EVP_DigestFinal_ex(m, md5, &len)) result = -EIO;
done:
    free(buffer);
    EVP_MD_CTX_free(s);
    EVP_MD_CTX_free(m);
    return result;
}

int mk_hmac_sha256(const void *key, size_t key_len, const void *data, size_t data_len, uint8_t out[32]) {
    unsigned int len = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, data, data_len, out, &len) ? 0 : -1;
}

int mk_md5(const void *data, size_t len, uint8_t out[16]) {
    unsigned int out_len = 0;
    return EVP_Digest(data, len, out, &out_len, EVP_md5(), NULL) ? 0 : -1;
}
