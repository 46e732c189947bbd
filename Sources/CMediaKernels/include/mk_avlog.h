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

#endif
