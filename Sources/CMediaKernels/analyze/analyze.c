/*
 * The processors' frame path: one demux and decode of the best audio stream, one conversion to
 * interleaved float (its own rate and channels), and each enabled processor fed every frame.
 * The processors: loudness (libebur128, with a histogram of its gating blocks for album gain)
 * and waveform peaks (as BBC audiowaveform). Damaged input is tolerated as the transcode
 * tolerates it.
 */
#include "mk_analyze.h"
#include "mk_avlog.h"
#include "truepeak.h"

#include <chromaprint.h>
#include <ebur128.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loudness_state {
    ebur128_state *st;
    mk_truepeak *tp;
    size_t step;    /* frames in 100 ms, as libebur128 counts them */
    size_t in_step; /* frames fed since the last 100 ms boundary */
    uint64_t fed;
} loudness_state;

typedef struct peaks_state {
    int min, max, count;
} peaks_state;

/* fpcalc's path: the decoder's own samples through a converter of its own (fpcalc's
   "compatible mode" settings) to 16-bit mono at Chromaprint's rate, for the first seconds. */
typedef struct fingerprint_state {
    ChromaprintContext *cp;
    SwrContext *swr;
    int format;      /* of the frames the converter takes (the first frame's) */
    int given_up;    /* a failure: no fingerprint, the other processors go on */
    int16_t *buf;
    int buf_frames;
    uint64_t fed, limit;
    int done;
} fingerprint_state;

typedef struct mk_an {
    const mk_analyze_options *o;
    const mk_cancel *cancel;
    mk_analysis *out;
    char *err;
    size_t errlen;
    AVFormatContext *ic;
    AVCodecContext *dec;
    SwrContext *swr;
    AVChannelLayout layout; /* of the converted frames (the first frame's) */
    int format, rate;
    AVFrame *frame;
    AVPacket *pkt;
    float *buf;
    int buf_frames;
    int ain;
    uint64_t frames;
    int skipped_frames;
    int decode_errors;
    char decode_error[AV_ERROR_MAX_STRING_SIZE];
    loudness_state loud;
    peaks_state peaks;
    fingerprint_state print;
} mk_an;

static int fail(mk_an *a, int code, const char *operation) {
    char reason[AV_ERROR_MAX_STRING_SIZE] = {0};
    const char *detail = mk_avlog_last();
    switch (code) {
    case MK_ANALYZE_CANCELED: snprintf(reason, sizeof reason, "canceled"); break;
    case MK_ANALYZE_NO_AUDIO: snprintf(reason, sizeof reason, "the input has no audio stream"); break;
    case MK_ANALYZE_NO_DECODER: snprintf(reason, sizeof reason, "no decoder for this codec"); break;
    case MK_ANALYZE_NO_FRAME: snprintf(reason, sizeof reason, "no frame could be decoded"); break;
    case MK_ANALYZE_PROCESSOR: snprintf(reason, sizeof reason, "the loudness meter refused the audio"); break;
    case MK_ANALYZE_FINGERPRINT: snprintf(reason, sizeof reason, "Chromaprint refused the audio"); break;
    default: av_strerror(code, reason, sizeof reason); break;
    }
    if (!operation)
        snprintf(a->err, a->errlen, "%s", reason);
    else if (code != MK_ANALYZE_CANCELED && code > -1000000 && detail[0] && !strstr(reason, detail))
        snprintf(a->err, a->errlen, "%s: %s (%s)", operation, reason, detail);
    else
        snprintf(a->err, a->errlen, "%s: %s", operation, reason);
    return code;
}

static int interrupted(void *opaque) { return mk_cancel_is_raised(((mk_an *)opaque)->cancel); }

/* libebur128's channel for a libav channel: surrounds weigh 1.41, the LFE nothing. */
static int ebur128_channel(enum AVChannel channel) {
    switch (channel) {
    case AV_CHAN_FRONT_LEFT: return EBUR128_LEFT;
    case AV_CHAN_FRONT_RIGHT: return EBUR128_RIGHT;
    case AV_CHAN_FRONT_CENTER: return EBUR128_CENTER;
    case AV_CHAN_LOW_FREQUENCY:
    case AV_CHAN_LOW_FREQUENCY_2: return EBUR128_UNUSED;
    /* The speakers ffmpeg's ebur128 filter weighs 1.41 (its BACK_MASK). */
    case AV_CHAN_BACK_LEFT:
    case AV_CHAN_SIDE_LEFT:
    case AV_CHAN_TOP_BACK_LEFT:
    case AV_CHAN_SURROUND_DIRECT_LEFT:
    case AV_CHAN_BACK_CENTER:
    case AV_CHAN_TOP_BACK_CENTER: return EBUR128_LEFT_SURROUND;
    case AV_CHAN_BACK_RIGHT:
    case AV_CHAN_SIDE_RIGHT:
    case AV_CHAN_TOP_BACK_RIGHT:
    case AV_CHAN_SURROUND_DIRECT_RIGHT: return EBUR128_RIGHT_SURROUND;
    default: return EBUR128_CENTER; /* any other speaker weighs 1 */
    }
}

static int loudness_open(mk_an *a) {
    int channels = a->layout.nb_channels;
    /* Not EBUR128_MODE_HISTOGRAM: its 0.1 LU bins would move the integrated loudness by up to
       0.05 LU; the block lists cost 8 bytes per 100 ms (about 300 KB an hour). The peaks are
       ours (truepeak.c: libebur128's interpolator in float, a block at a time, several times
       faster than its per-sample double loop), libebur128's only to check them. */
    int mode = EBUR128_MODE_I | EBUR128_MODE_LRA | (a->o->reference_peaks ? EBUR128_MODE_TRUE_PEAK : 0);
    if (!(a->loud.tp = mk_truepeak_create(channels, a->rate))) return fail(a, AVERROR(ENOMEM), "cannot start the loudness meter");
    a->loud.st = ebur128_init((unsigned)channels, (unsigned long)a->rate, mode);
    a->out->loudness.histogram = calloc(MK_LOUDNESS_BINS, sizeof(uint32_t));
    if (!a->out->loudness.histogram) return fail(a, AVERROR(ENOMEM), "cannot start the loudness meter");
    if (!a->loud.st) return fail(a, MK_ANALYZE_PROCESSOR, "cannot start the loudness meter"); /* > 64 channels, an odd rate */
    if (a->layout.order == AV_CHANNEL_ORDER_NATIVE || a->layout.order == AV_CHANNEL_ORDER_CUSTOM) {
        for (int i = 0; i < channels; i++)
            ebur128_set_channel(a->loud.st, (unsigned)i, ebur128_channel(av_channel_layout_channel_from_index(&a->layout, (unsigned)i)));
    }
    a->loud.step = ((size_t)a->rate + 5) / 10;
    a->out->has_loudness = 1;
    return 0;
}

/* Feeds libebur128 in 100 ms steps: after each, once 400 ms are in, the momentary loudness
   is the gating block that just ended, counted in the histogram. */
static int loudness_feed(mk_an *a, const float *src, size_t frames) {
    loudness_state *l = &a->loud;
    size_t channels = (size_t)a->layout.nb_channels;
    while (frames) {
        size_t n = l->step - l->in_step;
        if (n > frames) n = frames;
        if (ebur128_add_frames_float(l->st, src, n) != EBUR128_SUCCESS) return fail(a, MK_ANALYZE_PROCESSOR, "cannot measure loudness");
        mk_truepeak_feed(l->tp, src, n);
        src += n * channels;
        frames -= n;
        l->in_step += n;
        l->fed += n;
        if (l->in_step < l->step) continue;
        l->in_step = 0;
        double m;
        if (l->fed >= 4 * l->step && ebur128_loudness_momentary(l->st, &m) == EBUR128_SUCCESS && isfinite(m) &&
            m > MK_LOUDNESS_BIN_FLOOR) {
            long bin = (long)floor((m - MK_LOUDNESS_BIN_FLOOR) / MK_LOUDNESS_BIN_WIDTH);
            a->out->loudness.histogram[bin >= MK_LOUDNESS_BINS ? MK_LOUDNESS_BINS - 1 : bin]++;
        }
    }
    return 0;
}

static void loudness_finish(mk_an *a) {
    mk_loudness *r = &a->out->loudness;
    ebur128_state *st = a->loud.st;
    if (ebur128_loudness_global(st, &r->integrated) != EBUR128_SUCCESS) r->integrated = -HUGE_VAL;
    if (ebur128_loudness_range(st, &r->range) != EBUR128_SUCCESS) r->range = 0;
    mk_truepeak_result(a->loud.tp, &r->true_peak, &r->sample_peak);
    r->reference_sample_peak = r->reference_true_peak = 0;
    for (unsigned i = 0; a->o->reference_peaks && i < st->channels; i++) {
        double p;
        if (ebur128_sample_peak(st, i, &p) == EBUR128_SUCCESS && p > r->reference_sample_peak) r->reference_sample_peak = p;
        if (ebur128_true_peak(st, i, &p) == EBUR128_SUCCESS && p > r->reference_true_peak) r->reference_true_peak = p;
    }
}

static int peaks_append(mk_an *a) {
    mk_peaks *p = &a->out->peaks;
    if (p->length == p->capacity) {
        size_t capacity = p->capacity ? p->capacity * 2 : 4096;
        int16_t *grown = realloc(p->data, capacity * 2 * sizeof(int16_t));
        if (!grown) return fail(a, AVERROR(ENOMEM), "cannot make peaks");
        p->data = grown;
        p->capacity = capacity;
    }
    p->data[2 * p->length] = (int16_t)a->peaks.min;
    p->data[2 * p->length + 1] = (int16_t)a->peaks.max;
    p->length++;
    a->peaks.min = INT16_MAX;
    a->peaks.max = INT16_MIN;
    a->peaks.count = 0;
    return 0;
}

static int peaks_feed(mk_an *a, const float *src, size_t frames) {
    int channels = a->layout.nb_channels, ret;
    peaks_state *s = &a->peaks;
    for (size_t i = 0; i < frames; i++, src += channels) {
        int sum = 0;
        for (int c = 0; c < channels; c++) {
            long v = lrintf(src[c] * 32768.0f);
            sum += (int)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
        }
        int sample = sum / channels;
        if (sample < s->min) s->min = sample;
        if (sample > s->max) s->max = sample;
        if (++s->count == a->o->samples_per_pixel && (ret = peaks_append(a)) < 0) return ret;
    }
    return 0;
}

/* The converted frames go to every enabled processor. */
static int feed(mk_an *a, const float *samples, int frames) {
    if (frames <= 0) return 0;
    a->frames += (uint64_t)frames;
    int ret;
    if (a->o->loudness && (ret = loudness_feed(a, samples, (size_t)frames)) < 0) return ret;
    if (a->o->peaks && (ret = peaks_feed(a, samples, (size_t)frames)) < 0) return ret;
    return 0;
}

/* A fingerprint failure costs the fingerprint only: a note, and the other processors go on. */
static int fingerprint_give_up(mk_an *a, const char *why, int code) {
    char reason[AV_ERROR_MAX_STRING_SIZE] = "Chromaprint refused the audio", note[200];
    if (code > -1000000) av_strerror(code, reason, sizeof reason);
    snprintf(note, sizeof note, "no fingerprint: %s (%s)", why, reason);
    mk_avlog_note(note);
    a->print.given_up = 1;
    return 0;
}

static int fingerprint_open(mk_an *a, const AVFrame *f) {
    fingerprint_state *p = &a->print;
    p->cp = chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT);
    p->swr = swr_alloc();
    if (!p->cp || !p->swr) return fail(a, AVERROR(ENOMEM), "cannot start the fingerprint");
    p->format = f->format;
    int rate = chromaprint_get_sample_rate(p->cp);
    AVChannelLayout in, out;
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&in, f->ch_layout.nb_channels);
    else if (av_channel_layout_copy(&in, &f->ch_layout) < 0) return fail(a, AVERROR(ENOMEM), "cannot start the fingerprint");
    /* fpcalc's converter: these settings and nothing else (no tsf: libswresample picks the
       internal format, as in fpcalc). */
    av_channel_layout_default(&out, chromaprint_get_num_channels(p->cp));
    av_opt_set_int(p->swr, "resampler", SWR_ENGINE_SWR, 0);
    av_opt_set_int(p->swr, "filter_size", 16, 0);
    av_opt_set_int(p->swr, "phase_shift", 8, 0);
    av_opt_set_int(p->swr, "linear_interp", 1, 0);
    av_opt_set_double(p->swr, "cutoff", 0.8, 0);
    av_opt_set_chlayout(p->swr, "in_chlayout", &in, 0);
    av_opt_set_int(p->swr, "in_sample_fmt", f->format, 0);
    av_opt_set_int(p->swr, "in_sample_rate", f->sample_rate, 0);
    av_opt_set_chlayout(p->swr, "out_chlayout", &out, 0);
    av_opt_set_int(p->swr, "out_sample_fmt", AV_SAMPLE_FMT_S16, 0);
    av_opt_set_int(p->swr, "out_sample_rate", rate, 0);
    av_channel_layout_uninit(&in);
    av_channel_layout_uninit(&out);
    int ret = swr_init(p->swr);
    if (ret < 0) return fingerprint_give_up(a, "cannot convert the audio for it", ret);
    if (!chromaprint_start(p->cp, rate, chromaprint_get_num_channels(p->cp)))
        return fingerprint_give_up(a, "cannot start it", MK_ANALYZE_FINGERPRINT);
    p->limit = (uint64_t)(a->o->fingerprint_seconds * rate);
    return 0;
}

/* Converts `in_frames` of the decoder's samples (NULL: what the converter holds) and feeds
   Chromaprint up to the limit. */
static int fingerprint_feed(mk_an *a, const uint8_t **in, int in_frames) {
    fingerprint_state *p = &a->print;
    if (p->done) return 0;
    int need = swr_get_out_samples(p->swr, in_frames);
    if (need > p->buf_frames) {
        int16_t *grown = realloc(p->buf, (size_t)need * sizeof(int16_t));
        if (!grown) return fail(a, AVERROR(ENOMEM), "cannot fingerprint");
        p->buf = grown;
        p->buf_frames = need;
    }
    uint8_t *out = (uint8_t *)p->buf;
    int n = p->buf_frames ? swr_convert(p->swr, &out, p->buf_frames, in, in_frames) : 0;
    if (n < 0) return fingerprint_give_up(a, "cannot convert the audio for it", n);
    if ((uint64_t)n >= p->limit - p->fed) {
        n = (int)(p->limit - p->fed);
        p->done = 1;
    }
    p->fed += (uint64_t)n;
    if (n > 0 && !chromaprint_feed(p->cp, p->buf, n)) return fingerprint_give_up(a, "cannot feed it", MK_ANALYZE_FINGERPRINT);
    return 0;
}

static int fingerprint_finish(mk_an *a) {
    fingerprint_state *p = &a->print;
    int ret;
    if (p->given_up) return 0;
    if (!p->done) { /* the input ended first: what the converter still holds */
        for (int n = 0; n < 64 && !p->done && !p->given_up; n++) {
            uint64_t before = p->fed;
            if ((ret = fingerprint_feed(a, NULL, 0)) < 0) return ret;
            if (p->fed == before) break;
        }
    }
    char *printed = NULL;
    int size = 0;
    if (p->given_up) return 0;
    if (!chromaprint_finish(p->cp) || !chromaprint_get_raw_fingerprint_size(p->cp, &size))
        return fingerprint_give_up(a, "cannot finish it", MK_ANALYZE_FINGERPRINT);
    if (size <= 0) { /* as fpcalc: no fingerprint of audio this short (a few seconds) */
        mk_avlog_note("the audio is too short to fingerprint");
        return 0;
    }
    if (!chromaprint_get_fingerprint(p->cp, &printed) || !printed) return fingerprint_give_up(a, "cannot encode it", MK_ANALYZE_FINGERPRINT);
    a->out->fingerprint = strdup(printed);
    chromaprint_dealloc(printed);
    return a->out->fingerprint ? 0 : fail(a, AVERROR(ENOMEM), "cannot fingerprint");
}

static int ensure_buffer(mk_an *a, int frames) {
    if (frames <= a->buf_frames) return 0;
    float *grown = realloc(a->buf, (size_t)frames * (size_t)a->layout.nb_channels * sizeof(float));
    if (!grown) return fail(a, AVERROR(ENOMEM), "cannot convert audio");
    a->buf = grown;
    a->buf_frames = frames;
    return 0;
}

/* The first frame sets the converted layout and rate; a later frame with another layout or
   rate (a stream that changes mid-way) is skipped and counted, one with another sample
   format gets a converter of its own. */
static int convert(mk_an *a, AVFrame *f) {
    int ret;
    if (!a->swr) {
        if ((ret = av_channel_layout_copy(&a->layout, &f->ch_layout)) < 0) return fail(a, ret, "cannot convert audio");
        if (a->layout.nb_channels <= 0 || f->sample_rate <= 0) return fail(a, AVERROR_INVALIDDATA, "cannot convert audio");
        a->rate = f->sample_rate;
        a->out->sample_rate = a->rate;
        a->out->channels = a->layout.nb_channels;
        if (a->o->loudness && (ret = loudness_open(a)) < 0) return ret;
        if (a->o->peaks) {
            a->peaks.min = INT16_MAX;
            a->peaks.max = INT16_MIN;
            a->out->has_peaks = 1;
        }
    } else if (f->sample_rate != a->rate || av_channel_layout_compare(&f->ch_layout, &a->layout) != 0) {
        a->skipped_frames++;
        return 0;
    }
    /* The fingerprint's converter takes the decoder's own samples, as fpcalc's does: only
       frames of the first frame's layout, rate (checked above) and sample format. */
    if (a->o->fingerprint && !a->print.given_up) {
        if (!a->print.cp && (ret = fingerprint_open(a, f)) < 0) return ret;
        if (!a->print.given_up && f->format == a->print.format &&
            (ret = fingerprint_feed(a, (const uint8_t **)f->extended_data, f->nb_samples)) < 0)
            return ret;
    }
    if (!a->swr || f->format != a->format) {
        swr_free(&a->swr);
        ret = swr_alloc_set_opts2(&a->swr, &a->layout, AV_SAMPLE_FMT_FLT, a->rate, &a->layout, f->format, a->rate, 0, NULL);
        if (ret < 0 || (ret = swr_init(a->swr)) < 0) return fail(a, ret, "cannot convert audio");
        a->format = f->format;
    }
    if ((ret = ensure_buffer(a, swr_get_out_samples(a->swr, f->nb_samples))) < 0) return ret;
    uint8_t *out = (uint8_t *)a->buf;
    int n = swr_convert(a->swr, &out, a->buf_frames, (const uint8_t **)f->extended_data, f->nb_samples);
    if (n < 0) return fail(a, n, "cannot convert audio");
    return feed(a, a->buf, n);
}

static int decode_failed(mk_an *a, int ret) {
    if (ret == AVERROR(ENOMEM)) return fail(a, ret, "cannot decode");
    if (a->decode_errors++ == 0) av_strerror(ret, a->decode_error, sizeof a->decode_error);
    return 0;
}

static int decode(mk_an *a, const AVPacket *p) {
    int ret = avcodec_send_packet(a->dec, p);
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN) && (ret = decode_failed(a, ret)) < 0) return ret;
    for (;;) {
        ret = avcodec_receive_frame(a->dec, a->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) {
            if ((ret = decode_failed(a, ret)) < 0) return ret;
            continue;
        }
        ret = convert(a, a->frame);
        av_frame_unref(a->frame);
        if (ret < 0) return ret;
    }
}

/* As the transcode: the end of data or a demuxer's complaint ends the input (what decoded is
   kept, with a note); an I/O error fails it. */
static int read_stopped(mk_an *a, int ret) {
    if (mk_cancel_is_raised(a->cancel)) return fail(a, MK_ANALYZE_CANCELED, "analyze");
    AVIOContext *pb = a->ic->pb;
    if (pb && pb->error < 0 && pb->error != AVERROR_EOF) {
        mk_avlog_clear();
        return fail(a, pb->error, "cannot read input");
    }
    if (ret == AVERROR_EOF || (pb && avio_feof(pb))) return 0;
    if (ret == AVERROR(ENOMEM) || ret == AVERROR_EXIT) return fail(a, ret, "cannot read input");
    char reason[AV_ERROR_MAX_STRING_SIZE], note[160];
    av_strerror(ret, reason, sizeof reason);
    snprintf(note, sizeof note, "the input ended early, after %.2f s of audio: %s",
             a->rate ? (double)a->frames / a->rate : 0.0, reason);
    mk_avlog_note(note);
    return 0;
}

static int run(mk_an *a, const char *input) {
    mk_avlog_clear();
    if (a->o->peaks && a->o->samples_per_pixel < 2) return fail(a, AVERROR(EINVAL), "samples per pixel must be at least 2");
    a->ic = avformat_alloc_context();
    if (!a->ic) return fail(a, AVERROR(ENOMEM), "cannot open input");
    a->ic->interrupt_callback = (AVIOInterruptCB){interrupted, a};
    int ret = avformat_open_input(&a->ic, input, NULL, NULL);
    if (ret < 0) return fail(a, ret, "cannot open input");
    if ((ret = avformat_find_stream_info(a->ic, NULL)) < 0) return fail(a, ret, "cannot read stream info");
    a->ain = av_find_best_stream(a->ic, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (a->ain < 0) return fail(a, MK_ANALYZE_NO_AUDIO, NULL);
    AVStream *st = a->ic->streams[a->ain];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) return fail(a, MK_ANALYZE_NO_DECODER, avcodec_get_name(st->codecpar->codec_id));
    if (!(a->dec = avcodec_alloc_context3(codec))) return fail(a, AVERROR(ENOMEM), "cannot open decoder");
    if ((ret = avcodec_parameters_to_context(a->dec, st->codecpar)) < 0) return fail(a, ret, "cannot open decoder");
    a->dec->pkt_timebase = st->time_base;
    a->dec->thread_count = a->o->threads;
    if ((ret = avcodec_open2(a->dec, codec, NULL)) < 0) return fail(a, ret, "cannot open decoder");
    for (unsigned i = 0; i < a->ic->nb_streams; i++)
        if ((int)i != a->ain) a->ic->streams[i]->discard = AVDISCARD_ALL;

    a->pkt = av_packet_alloc();
    a->frame = av_frame_alloc();
    if (!a->pkt || !a->frame) return fail(a, AVERROR(ENOMEM), "cannot allocate packets");
    for (;;) {
        if (mk_cancel_is_raised(a->cancel)) return fail(a, MK_ANALYZE_CANCELED, "analyze");
        ret = av_read_frame(a->ic, a->pkt);
        if (ret < 0) {
            if ((ret = read_stopped(a, ret)) < 0) return ret;
            break;
        }
        ret = a->pkt->stream_index == a->ain ? decode(a, a->pkt) : 0;
        av_packet_unref(a->pkt);
        if (ret < 0) return ret;
    }
    if ((ret = decode(a, NULL)) < 0) return ret;
    if (a->swr) { /* what the converter still holds */
        for (;;) {
            uint8_t *out = (uint8_t *)a->buf;
            int n = a->buf_frames ? swr_convert(a->swr, &out, a->buf_frames, NULL, 0) : 0;
            if (n < 0) return fail(a, n, "cannot convert audio");
            if (n == 0) break;
            if ((ret = feed(a, a->buf, n)) < 0) return ret;
        }
    }
    if (a->decode_errors) {
        char note[200];
        snprintf(note, sizeof note, "%d packet%s could not be decoded and %s skipped (%s)", a->decode_errors,
                 a->decode_errors == 1 ? "" : "s", a->decode_errors == 1 ? "was" : "were", a->decode_error);
        mk_avlog_note(note);
    }
    if (a->skipped_frames) {
        char note[160];
        snprintf(note, sizeof note, "%d frame%s with another channel layout or sample rate than the first %s left out",
                 a->skipped_frames, a->skipped_frames == 1 ? "" : "s", a->skipped_frames == 1 ? "was" : "were");
        mk_avlog_note(note);
    }
    if (a->frames == 0) return fail(a, MK_ANALYZE_NO_FRAME, NULL);
    a->out->duration = (double)a->frames / a->rate;
    if (a->loud.st) loudness_finish(a);
    if (a->out->has_peaks && a->peaks.count > 0 && (ret = peaks_append(a)) < 0) return ret;
    if (a->print.cp && !a->print.given_up && (ret = fingerprint_finish(a)) < 0) return ret;
    /* As fpcalc reads the duration: the stream's, else the container's. */
    if (st->duration != AV_NOPTS_VALUE) a->out->stream_duration_ms = (int)(1000 * st->time_base.num * st->duration / st->time_base.den);
    else a->out->stream_duration_ms = a->ic->duration != AV_NOPTS_VALUE ? (int)(1000 * a->ic->duration / AV_TIME_BASE) : -1;
    return 0;
}

int mk_analyze(const char *input, const mk_analyze_options *options, mk_analysis *out, const mk_cancel *cancel,
               char *error, size_t error_size, char *notes, size_t notes_size) {
    mk_an a;
    memset(&a, 0, sizeof a);
    memset(out, 0, sizeof *out);
    a.o = options;
    a.cancel = cancel;
    a.out = out;
    a.err = error;
    a.errlen = error_size;
    a.ain = -1;
    if (error_size) error[0] = '\0';
    mk_avlog_notes_begin();
    int ret = run(&a, input);
    if (a.loud.st) ebur128_destroy(&a.loud.st); /* it does not take NULL */
    mk_truepeak_free(a.loud.tp);
    if (a.print.cp) chromaprint_free(a.print.cp);
    swr_free(&a.print.swr);
    free(a.print.buf);
    swr_free(&a.swr);
    av_channel_layout_uninit(&a.layout);
    free(a.buf);
    av_frame_free(&a.frame);
    av_packet_free(&a.pkt);
    avcodec_free_context(&a.dec);
    avformat_close_input(&a.ic);
    mk_avlog_notes_end(notes, notes_size);
    return ret;
}

void mk_analysis_free(mk_analysis *analysis) {
    free(analysis->loudness.histogram);
    analysis->loudness.histogram = NULL;
    free(analysis->peaks.data);
    analysis->peaks.data = NULL;
    free(analysis->fingerprint);
    analysis->fingerprint = NULL;
}

const char *mk_fingerprint_version(void) { return chromaprint_get_version(); }

void mk_loudness_version(char *out, size_t size) {
    int major, minor, patch;
    ebur128_get_version(&major, &minor, &patch);
    snprintf(out, size, "%d.%d.%d", major, minor, patch);
}
