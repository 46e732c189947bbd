#ifndef MK_AVLOG_H
#define MK_AVLOG_H

#include <stddef.h>

/*
 * Routes libav's log through MediaEngine: messages at `capture_level` or more severe are
 * kept, per thread, as "the last libav message", so an error can say *why* libav failed
 * ("moov atom not found") rather than only av_strerror's generic text. Messages at
 * `print_level` or more severe are also written to stderr (pass -8, AV_LOG_QUIET, for none).
 * Safe to call more than once; the last call wins.
 */
void mk_avlog_install(int capture_level, int print_level);

/* The last captured message on this thread, without trailing newline; "" when none. */
const char *mk_avlog_last(void);
/* Forgets this thread's last message (call before a libav operation). */
void mk_avlog_clear(void);

/*
 * Notes: between begin and end, this thread keeps the warnings (and errors) that a demuxer, a
 * decoder or the input's I/O logs, as "<component>: <message>", distinct ones once each with
 * their count (at most 8; more are counted), plus what `mk_avlog_note` adds. `end` writes them,
 * one per line, into `out` and returns how many distinct notes there were.
 */
void mk_avlog_notes_begin(void);
void mk_avlog_note(const char *line);
int mk_avlog_notes_end(char *out, size_t size);

#endif
