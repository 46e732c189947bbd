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

/* Notes: the warnings a demuxer or decoder gives while this thread collects them. */
#define MK_AVLOG_NOTES 8
#define MK_AVLOG_NOTE 200
static _Thread_local int collecting;
static _Thread_local char notes[MK_AVLOG_NOTES][MK_AVLOG_NOTE];
static _Thread_local int note_repeats[MK_AVLOG_NOTES];
static _Thread_local int note_count, notes_dropped;
static _Thread_local char note_line[MK_AVLOG_LINE];
static _Thread_local int note_open;

/* Whether a message comes from the input side: a demuxer, a decoder or the input's I/O. */
static int from_input(void *avcl) {
    if (!avcl) return 0;
    const AVClass *cls = *(const AVClass **)avcl;
    if (!cls) return 0;
    AVClassCategory category = cls->get_category ? cls->get_category(avcl) : cls->category;
    return category == AV_CLASS_CATEGORY_DEMUXER || category == AV_CLASS_CATEGORY_DECODER || category == AV_CLASS_CATEGORY_INPUT;
}

void mk_avlog_note(const char *line) {
    for (int i = 0; i < note_count; i++) {
        if (strcmp(notes[i], line) == 0) {
            note_repeats[i]++;
            return;
        }
    }
    if (note_count == MK_AVLOG_NOTES) {
        notes_dropped++;
        return;
    }
    snprintf(notes[note_count], MK_AVLOG_NOTE, "%s", line);
    note_repeats[note_count++] = 1;
}

static void collect(void *avcl, const char *fragment) {
    size_t used = note_open ? strlen(note_line) : 0;
    if (!note_open) {
        const AVClass *cls = *(const AVClass **)avcl;
        used = (size_t)snprintf(note_line, sizeof note_line, "%s: ", cls->item_name(avcl));
        if (used >= sizeof note_line) used = sizeof note_line - 1;
    }
    snprintf(note_line + used, sizeof note_line - used, "%s", fragment);
    size_t len = strlen(note_line);
    note_open = !(len > 0 && note_line[len - 1] == '\n');
    if (note_open) return;
    while (len > 0 && (note_line[len - 1] == '\n' || note_line[len - 1] == '\r' || note_line[len - 1] == ' ')) note_line[--len] = '\0';
    mk_avlog_note(note_line);
}

static void mk_avlog_callback(void *avcl, int level, const char *fmt, va_list vl) {
    int note = collecting && level <= AV_LOG_WARNING && from_input(avcl);
    if (!note && level > atomic_load(&capture_threshold) && level > atomic_load(&print_threshold)) return;
    char fragment[MK_AVLOG_LINE];
    va_list copy;
    va_copy(copy, vl);
    vsnprintf(fragment, sizeof fragment, fmt, copy);
    va_end(copy);

    if (level <= atomic_load(&print_threshold)) {
        av_log_default_callback(avcl, level, fmt, vl);
    }
    if (note) collect(avcl, fragment);
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
    int level = capture_level > print_level ? capture_level : print_level;
    av_log_set_level(level > AV_LOG_WARNING ? level : AV_LOG_WARNING); /* notes are warnings */
    av_log_set_callback(mk_avlog_callback);
}

const char *mk_avlog_last(void) { return last_line; }

void mk_avlog_clear(void) {
    last_line[0] = '\0';
    line_open = 0;
}

void mk_avlog_notes_begin(void) {
    collecting = 1;
    note_count = notes_dropped = note_open = 0;
}

int mk_avlog_notes_end(char *out, size_t size) {
    collecting = 0;
    size_t used = 0;
    if (size) out[0] = '\0';
    for (int i = 0; i < note_count && used < size; i++) {
        int n = note_repeats[i] > 1 ? snprintf(out + used, size - used, "%s (%d times)\n", notes[i], note_repeats[i])
                                    : snprintf(out + used, size - used, "%s\n", notes[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (notes_dropped && used < size) snprintf(out + used, size - used, "%d more warnings\n", notes_dropped);
    return note_count;
}
