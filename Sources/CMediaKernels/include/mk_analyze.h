#ifndef MK_ANALYZE_H
#define MK_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "mk_cancel.h"

/*
 * Processors over one decode: the input's best audio stream is decoded once and converted
 * once (swresample) to interleaved float at its own rate and channels, and every enabled
 * processor is handed each converted frame in turn. Adding a processor adds a consumer of
 * those frames, never another decode.
 */
typedef struct mk_analyze_options {
    int loudness; /* EBU R 128 (libebur128): integrated, range, sample and true peak, block histogram */
    int peaks;    /* waveform peaks as BBC audiowaveform computes them */
    int samples_per_pixel; /* of the peaks; at least 2 */
    int fingerprint;       /* Chromaprint, as fpcalc computes it */
    double fingerprint_seconds; /* of the input's start fingerprinted (fpcalc's -length; 120) */
    int threads;  /* decoder threads; 0: libav's choice */
    int reference_peaks; /* also measure the peaks with libebur128 (reference_*), to check ours */
} mk_analyze_options;

/* The gating-block histogram: bin i counts the 400 ms blocks (every 100 ms) whose momentary
   loudness is in [-70 + i/100, -70 + (i+1)/100) LUFS; blocks at or below -70 LUFS (the
   absolute gate) are not counted, louder than the top bin go into it. */
#define MK_LOUDNESS_BINS 8000
#define MK_LOUDNESS_BIN_FLOOR (-70.0)
#define MK_LOUDNESS_BIN_WIDTH 0.01

typedef struct mk_loudness {
    double integrated;  /* LUFS; -HUGE_VAL when every block is gated (silence) */
    double range;       /* LU */
    double sample_peak; /* linear, the largest of the channels */
    double true_peak;   /* linear, the largest of the channels (4x oversampled below 96 kHz): our
                           float kernel of libebur128's interpolator */
    double reference_sample_peak, reference_true_peak; /* libebur128's, with reference_peaks */
    uint32_t *histogram; /* MK_LOUDNESS_BINS counts, owned by the analysis */
} mk_loudness;

/* Waveform peaks, as BBC audiowaveform makes them (mono): each frame's channels as 16-bit
   samples (ffmpeg's float-to-s16 rounding), summed and divided by the channel count (C's
   division), then the min and max of every `samples_per_pixel` frames, the last window
   possibly shorter. */
typedef struct mk_peaks {
    int16_t *data;  /* min, max pairs, `length` of them, owned by the analysis */
    size_t length;
    size_t capacity; /* in pairs */
} mk_peaks;

typedef struct mk_analysis {
    int sample_rate;
    int channels;
    double duration; /* seconds of audio decoded */
    int has_loudness;
    mk_loudness loudness;
    int has_peaks;
    mk_peaks peaks;
    /* Chromaprint's compressed base64 fingerprint of the first `fingerprint_seconds` (owned by
       the analysis), and the audio stream's duration in ms as fpcalc reads it (-1: unknown). */
    char *fingerprint;
    int stream_duration_ms;
} mk_analysis;

/* Chromaprint's version. */
const char *mk_fingerprint_version(void);

/* Return codes beyond libav's negative AVERROR values. */
enum {
    MK_ANALYZE_CANCELED = -1000101,
    MK_ANALYZE_NO_AUDIO = -1000102,
    MK_ANALYZE_NO_DECODER = -1000103,
    MK_ANALYZE_NO_FRAME = -1000104,
    MK_ANALYZE_PROCESSOR = -1000105,
    MK_ANALYZE_FINGERPRINT = -1000106,
};

/*
 * Analyzes `input`. Returns 0 and fills `out` (free it with mk_analysis_free, also after a
 * failure), or a negative code with a one-line message in `error`. Damaged input is tolerated
 * as the transcode tolerates it (skipped packets, an input that ends early: the result covers
 * what decoded), with what was tolerated in `notes`, one per line. `cancel` (may be NULL) is
 * polled between packets and from libav's I/O interrupt callback.
 */
int mk_analyze(const char *input, const mk_analyze_options *options, mk_analysis *out, const mk_cancel *cancel,
               char *error, size_t error_size, char *notes, size_t notes_size);
void mk_analysis_free(mk_analysis *analysis);

/* libebur128's version, "major.minor.patch". */
void mk_loudness_version(char *out, size_t size);

/* fpcalc's compressed base64 fingerprint decoded into its 32-bit values: returns how many
   (into *values, freed with mk_fingerprint_free), or -1 for text that is not one. */
int mk_fingerprint_decode(const char *encoded, uint32_t **values);
void mk_fingerprint_free(uint32_t *values);

/* The best share of equal bits between a[i] and b[i + offset] over every offset within
   ±max_offset that overlaps at least min_overlap values (0 when none does); the offset in
   *offset. About 0.5 for unrelated audio, near 1 for the same recording. */
double mk_fingerprint_similarity(const uint32_t *a, int na, const uint32_t *b, int nb, int max_offset, int min_overlap, int *offset);

#endif
