/* True peak as libebur128 measures it (ITU-R BS.1770 annex 2): each channel 4x oversampled
   below 96 kHz (2x below 192 kHz) by libebur128's 49-tap Hann-windowed sinc interpolator, the
   largest absolute value of the oversampled signal and of the samples themselves; computed in
   float, a block of frames at a time, each phase of the interpolator over the whole block. */
#ifndef MK_TRUEPEAK_H
#define MK_TRUEPEAK_H

#include <stddef.h>

typedef struct mk_truepeak mk_truepeak;

mk_truepeak *mk_truepeak_create(int channels, int sample_rate);
/* Interleaved float frames. */
void mk_truepeak_feed(mk_truepeak *tp, const float *frames, size_t count);
/* The largest true peak and sample peak over the channels (linear). */
void mk_truepeak_result(const mk_truepeak *tp, double *true_peak, double *sample_peak);
void mk_truepeak_free(mk_truepeak *tp);

#endif
