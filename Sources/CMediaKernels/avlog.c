#include "mk_avlog.h"

#include <libavutil/log.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MK_AVLOG_LINE 512

static _Thread_local char last_line[MK_AVLOG_LINE];
static _Thread_local int line_open; /* previous fragment did not end with '\n' */
static atomic_int capture_threshold = AV_LOG_ERROR;
static atomic_int print_threshold = AV_LOG_QUIET;

static void mk_avlog_callback(void *avcl, int level, const char *fmt, va_list vl) {
    if (level > atomic_load(&capture_threshold) && level > atomic_load(&print_threshold)) return;
    char fragment[MK_AVLOG_LINE];
    va_list copy;
    va_copy(copy, vl);
    vsnprintf(fragment, sizeof fragment, fmt, copy);
    va_end(copy);

    if (level <= atomic_load(&print_threshold)) {
        av_log_default_callback(avcl, level, fmt, vl);
    }
    if (level > atomic_load(&capture_threshold)) return;

    size_t used = line_open ? strlen(last_line) : 0;
    snprintf(last_line + used, sizeof last_line - used, "%s", fragment);
    size_t len = strlen(last_line);
    line_open = !(len > 0 && last_line[len - 1] == '\n');
    while (len > 0 && (last_line[len - 1] == '\n' || last_line[len - 1] == '\r' || last_line[len - 1] == ' ')) {
        last_line[--len] = '\0';
    }
}

void mk_avlog_install(int capture_level, int print_level) {
    atomic_store(&capture_threshold, capture_level);
    atomic_store(&print_threshold, print_level);
    av_log_set_level(capture_level > print_level ? capture_level : print_level);
    av_log_set_callback(mk_avlog_callback);
}

const char *mk_avlog_last(void) { return last_line; }

void mk_avlog_clear(void) {
    last_line[0] = '\0';
    line_open = 0;
}
