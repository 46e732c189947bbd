/* See truepeak.h. */
#include "truepeak.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TAPS = 49, BLOCK = 1024, MAX_PHASE_TAPS = TAPS };

struct mk_truepeak {
    int channels, factor, history; /* history: input samples a phase reaches back */
    int counts[4];                 /* taps per phase */
    float coeff[4][MAX_PHASE_TAPS];
    int back[4][MAX_PHASE_TAPS];   /* how many samples back each tap reads */
    float *line;                   /* per channel: history + BLOCK samples, deinterleaved */
    float *out;                    /* BLOCK */
    double *true_peak, *sample_peak;
};

mk_truepeak *mk_truepeak_create(int channels, int sample_rate) {
    mk_truepeak *tp = calloc(1, sizeof *tp);
    if (!tp) return NULL;
    tp->channels = channels;
    tp->factor = sample_rate < 96000 ? 4 : sample_rate < 192000 ? 2 : 1;
    /* libebur128's interpolator: tap j of the sinc goes to phase j % factor, reading the input
       j / factor samples back; zero coefficients are left out. */
    for (int j = 0; j < TAPS && tp->factor > 1; j++) {
        double m = (double)j - (double)(TAPS - 1) / 2.0, c = 1.0;
        if (fabs(m) > 0.000001) c = sin(m * M_PI / tp->factor) / (m * M_PI / tp->factor);
        c *= 0.5 * (1 - cos(2 * M_PI * j / (TAPS - 1)));
        if (fabs(c) > 0.000001) {
            int f = j % tp->factor, t = tp->counts[f]++;
            tp->coeff[f][t] = (float)c;
            tp->back[f][t] = j / tp->factor;
        }
    }
    tp->history = (TAPS + tp->factor - 1) / tp->factor;
    tp->line = calloc((size_t)channels * (size_t)(tp->history + BLOCK), sizeof(float));
    tp->out = malloc(BLOCK * sizeof(float));
    tp->true_peak = calloc((size_t)channels, sizeof(double));
    tp->sample_peak = calloc((size_t)channels, sizeof(double));
    if (!tp->line || !tp->out || !tp->true_peak || !tp->sample_peak) {
        mk_truepeak_free(tp);
        return NULL;
    }
    return tp;
}

/* The largest absolute value of v[0..n), in eight independent lanes (so that the compiler
   can keep them in one vector register; one running maximum would be a serial chain). */
static float abs_max(const float *v, size_t n) {
    float lane[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            float a = fabsf(v[i + (size_t)k]);
            lane[k] = a > lane[k] ? a : lane[k];
        }
    float best = 0;
    for (; i < n; i++) best = fabsf(v[i]) > best ? fabsf(v[i]) : best;
    for (int k = 0; k < 8; k++) best = lane[k] > best ? lane[k] : best;
    return best;
}

/* One channel's block: its samples follow the history in `line`. */
static void block(mk_truepeak *tp, int c, size_t n) {
    float *line = tp->line + (size_t)c * (size_t)(tp->history + BLOCK), *x = line + tp->history;
    float peak = 0, sample = abs_max(x, n);
    for (int f = 0; f < tp->factor && tp->factor > 1; f++) {
        float *out = tp->out;
        memset(out, 0, n * sizeof(float));
        for (int t = 0; t < tp->counts[f]; t++) {
            const float k = tp->coeff[f][t], *in = x - tp->back[f][t];
            for (size_t i = 0; i < n; i++) out[i] += k * in[i];
        }
        float m = abs_max(out, n);
        if (m > peak) peak = m;
    }
    if (sample > peak) peak = sample; /* libebur128: the larger of the two */
    if (peak > tp->true_peak[c]) tp->true_peak[c] = peak;
    if (sample > tp->sample_peak[c]) tp->sample_peak[c] = sample;
    memmove(line, line + n, (size_t)tp->history * sizeof(float)); /* the newest samples become the history */
}

void mk_truepeak_feed(mk_truepeak *tp, const float *frames, size_t count) {
    int channels = tp->channels;
    while (count) {
        size_t n = count < BLOCK ? count : BLOCK;
        for (int c = 0; c < channels; c++) {
            float *x = tp->line + (size_t)c * (size_t)(tp->history + BLOCK) + tp->history;
            for (size_t i = 0; i < n; i++) x[i] = frames[i * (size_t)channels + (size_t)c];
            block(tp, c, n);
        }
        frames += n * (size_t)channels;
        count -= n;
    }
}

void mk_truepeak_result(const mk_truepeak *tp, double *true_peak, double *sample_peak) {
    *true_peak = *sample_peak = 0;
    for (int c = 0; c < tp->channels; c++) {
        if (tp->true_peak[c] > *true_peak) *true_peak = tp->true_peak[c];
        if (tp->sample_peak[c] > *sample_peak) *sample_peak = tp->sample_peak[c];
    }
}

void mk_truepeak_free(mk_truepeak *tp) {
    if (!tp) return;
    free(tp->line);
    free(tp->out);
    free(tp->true_peak);
    free(tp->sample_peak);
    free(tp);
}
