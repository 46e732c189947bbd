/*
 * The frame path: demux -> decode -> scale (swscale) / resample (swresample + audio FIFO)
 * -> encode -> mux, or stream copy. Every buffer is allocated once per transcode; per frame
 * only libav's own reference counting runs.
 */
#include "mk_transcode.h"
#include "mk_avlog.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MK_MAX_CHANNELS 64

typedef struct mk_tc {
    const mk_transcode_options *o;
    const volatile int *cancel;
    mk_progress_fn progress;
    void *opaque;
    char *err;
    size_t errlen;

    AVFormatContext *ic, *oc;
    AVPacket *pkt, *opkt;
    AVFrame *frame;
    double origin;         /* the input's start time: media times are taken relative to it */
    double start, end;     /* trim window, seconds from the origin (end = INFINITY when open) */
    double total;          /* expected output seconds, 0 if unknown */
    double done, reported; /* output seconds written / last reported */

    /* video */
    int vin;
    AVStream *vout;
    AVCodecContext *vdec, *venc;
    struct SwsContext *sws;
    AVFrame *vframe, *last_video;
    double min_interval, last_kept;
    int64_t last_pts, last_slot;
    int video_done, video_frames, thumbnail_written;
    double thumbnail_at;

    /* audio */
    int ain;
    AVStream *aout;
    AVCodecContext *adec, *aenc;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *aframe;
    uint8_t **conv;
    int conv_capacity, frame_size, audio_done, audio_frames, audio_started;
    int64_t samples_out;
    /* what the resampler was built for; a change mid-stream rebuilds it */
    int swr_format, swr_rate;
    AVChannelLayout swr_layout;

    /* stream copy: input index -> output stream, or NULL (streams added later are not copied) */
    AVStream **copy_out;
    unsigned copy_count;
} mk_tc;

static int interrupted(void *opaque) {
    mk_tc *t = opaque;
    return t->cancel && *t->cancel;
}

static int fail(mk_tc *t, int code, const char *operation) {
    char reason[AV_ERROR_MAX_STRING_SIZE] = {0};
    const char *detail = mk_avlog_last();
    switch (code) {
    case MK_TRANSCODE_CANCELED: snprintf(reason, sizeof reason, "canceled"); break;
    case MK_TRANSCODE_NO_VIDEO: snprintf(reason, sizeof reason, "the input has no video stream"); break;
    case MK_TRANSCODE_NO_AUDIO: snprintf(reason, sizeof reason, "the input has no audio stream"); break;
    case MK_TRANSCODE_NO_ENCODER: snprintf(reason, sizeof reason, "encoder not available in this libav"); break;
    case MK_TRANSCODE_NO_DECODER: snprintf(reason, sizeof reason, "no decoder for this codec"); break;
    case MK_TRANSCODE_NOTHING_TO_DO: snprintf(reason, sizeof reason, "no audio or video stream to transcode"); break;
    case MK_TRANSCODE_NO_FRAME: snprintf(reason, sizeof reason, "no frame could be decoded"); break;
    default: av_strerror(code, reason, sizeof reason); break;
    }
    if (code != MK_TRANSCODE_CANCELED && detail[0] && !strstr(reason, detail))
        snprintf(t->err, t->errlen, "%s: %s (%s)", operation, reason, detail);
    else
        snprintf(t->err, t->errlen, "%s: %s", operation, reason);
    return code;
}

void mk_transcode_options_init(mk_transcode_options *o) {
    memset(o, 0, sizeof *o);
    o->crf = -1;
    o->thumbnail_time = -1;
}

/* ---------------------------------------------------------------- output */

static int write_packet(mk_tc *t, AVCodecContext *enc, AVStream *st, AVPacket *p) {
    av_packet_rescale_ts(p, enc->time_base, st->time_base);
    p->stream_index = st->index;
    double at = p->pts == AV_NOPTS_VALUE ? 0 : p->pts * av_q2d(st->time_base);
    if (at > t->done) t->done = at;
    int ret = av_interleaved_write_frame(t->oc, p);
    return ret < 0 ? fail(t, ret, "cannot write output") : 0;
}

/* Sends `frame` (NULL to flush) and writes every packet the encoder has ready. */
static int encode(mk_tc *t, AVCodecContext *enc, AVStream *st, AVFrame *frame) {
    int ret = avcodec_send_frame(enc, frame);
    if (ret < 0) return fail(t, ret, "cannot encode");
    for (;;) {
        ret = avcodec_receive_packet(enc, t->opkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) return fail(t, ret, "cannot encode");
        ret = write_packet(t, enc, st, t->opkt);
        av_packet_unref(t->opkt);
        if (ret < 0) return ret;
    }
}

static void report(mk_tc *t) {
    if (t->progress && t->done - t->reported >= 0.25) {
        t->reported = t->done;
        t->progress(t->opaque, t->done, t->total);
    }
}

/* ---------------------------------------------------------------- decoding */

static int open_decoder(mk_tc *t, int index, AVCodecContext **out) {
    AVStream *st = t->ic->streams[index];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) return fail(t, MK_TRANSCODE_NO_DECODER, avcodec_get_name(st->codecpar->codec_id));
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c) return fail(t, AVERROR(ENOMEM), "cannot open decoder");
    *out = c;
    int ret = avcodec_parameters_to_context(c, st->codecpar);
    if (ret < 0) return fail(t, ret, "cannot open decoder");
    c->pkt_timebase = st->time_base;
    c->thread_count = t->o->threads;
    ret = avcodec_open2(c, codec, NULL);
    return ret < 0 ? fail(t, ret, "cannot open decoder") : 0;
}

/* Seconds from the input's origin (MPEG-TS and others do not start at 0). */
static double frame_time(const mk_tc *t, const AVFrame *f, AVRational tb) {
    int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    return ts == AV_NOPTS_VALUE ? NAN : ts * av_q2d(tb) - t->origin;
}

/* ---------------------------------------------------------------- video */

static int pick_video_stream(AVFormatContext *ic) {
    int best = -1;
    int64_t best_area = -1;
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        AVStream *st = ic->streams[i];
        if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
        if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;
        int64_t area = (int64_t)st->codecpar->width * st->codecpar->height;
        if (area > best_area) { best = (int)i; best_area = area; }
    }
    return best;
}

static enum AVPixelFormat pick_pix_fmt(const AVCodec *enc) {
    if (enc->id == AV_CODEC_ID_MJPEG) return AV_PIX_FMT_YUVJ420P; /* full-range JPEG */
    if (!enc->pix_fmts) return AV_PIX_FMT_YUV420P;
    for (const enum AVPixelFormat *p = enc->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
        if (*p == AV_PIX_FMT_YUV420P) return *p;
    return enc->pix_fmts[0];
}

static int open_video(mk_tc *t) {
    const mk_transcode_options *o = t->o;
    AVStream *in = t->ic->streams[t->vin];
    int ret = open_decoder(t, t->vin, &t->vdec);
    if (ret < 0) return ret;
    const AVCodec *enc = avcodec_find_encoder_by_name(o->video_codec ? o->video_codec : "libx264");
    if (!enc) return fail(t, MK_TRANSCODE_NO_ENCODER, o->video_codec ? o->video_codec : "libx264");

    /* Display size (sample aspect applied), fitted inside the maximum, never enlarged, even. */
    AVRational sar = av_guess_sample_aspect_ratio(t->ic, in, NULL);
    double width = in->codecpar->width, height = in->codecpar->height;
    if (sar.num > 0 && sar.den > 0) width = width * sar.num / sar.den;
    double scale = 1;
    if (o->max_width > 0 && width * scale > o->max_width) scale = o->max_width / width;
    if (o->max_height > 0 && height * scale > o->max_height) scale = o->max_height / height;
    int out_w = (int)lrint(width * scale) & ~1, out_h = (int)lrint(height * scale) & ~1;
    if (out_w < 2) out_w = 2;
    if (out_h < 2) out_h = 2;

    AVRational rate = av_guess_frame_rate(t->ic, in, NULL);
    if (rate.num <= 0 || rate.den <= 0) rate = (AVRational){25, 1};
    if (o->max_fps > 0 && av_q2d(rate) > o->max_fps + 1e-6) {
        rate = av_d2q(o->max_fps, 1001000);
        t->min_interval = 1.0 / o->max_fps;
    }

    AVCodecContext *c = avcodec_alloc_context3(enc);
    if (!c) return fail(t, AVERROR(ENOMEM), "cannot open video encoder");
    t->venc = c;
    c->width = out_w;
    c->height = out_h;
    c->sample_aspect_ratio = (AVRational){1, 1};
    c->pix_fmt = pick_pix_fmt(enc);
    c->framerate = rate;
    c->time_base = o->thumbnail ? (AVRational){1, 25} : av_inv_q(rate);
    c->thread_count = o->threads;
    if (o->video_bitrate > 0) c->bit_rate = o->video_bitrate;
    if (o->crf >= 0) {
        char crf[16];
        snprintf(crf, sizeof crf, "%d", o->crf);
        av_opt_set(c->priv_data, "crf", crf, 0);
    }
    if (o->preset) av_opt_set(c->priv_data, "preset", o->preset, 0);
    if (o->quality > 0) {
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * o->quality;
    }
    if (t->oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ret = avcodec_open2(c, enc, NULL);
    if (ret < 0) return fail(t, ret, "cannot open video encoder");

    t->vout = avformat_new_stream(t->oc, NULL);
    if (!t->vout) return fail(t, AVERROR(ENOMEM), "cannot add video stream");
    ret = avcodec_parameters_from_context(t->vout->codecpar, c);
    if (ret < 0) return fail(t, ret, "cannot add video stream");
    t->vout->time_base = c->time_base;
    t->vout->avg_frame_rate = rate;
    AVDictionaryEntry *language = av_dict_get(in->metadata, "language", NULL, 0);
    if (language) av_dict_set(&t->vout->metadata, "language", language->value, 0);

    t->vframe = av_frame_alloc();
    t->last_video = av_frame_alloc();
    if (!t->vframe || !t->last_video) return fail(t, AVERROR(ENOMEM), "cannot allocate frames");
    t->vframe->format = c->pix_fmt;
    t->vframe->width = out_w;
    t->vframe->height = out_h;
    ret = av_frame_get_buffer(t->vframe, 0);
    t->last_pts = INT64_MIN;
    t->last_slot = INT64_MIN;
    t->last_kept = -INFINITY;
    return ret < 0 ? fail(t, ret, "cannot allocate frames") : 0;
}

static int encode_video_frame(mk_tc *t, AVFrame *f, double at) {
    AVFrame *out = t->vframe;
    if (f->width == t->venc->width && f->height == t->venc->height && f->format == t->venc->pix_fmt) {
        out = f; /* already the encoder's size and format: no copy through swscale */
    } else {
        t->sws = sws_getCachedContext(t->sws, f->width, f->height, f->format, t->venc->width, t->venc->height,
                                      t->venc->pix_fmt, SWS_BICUBIC, NULL, NULL, NULL);
        if (!t->sws) return fail(t, AVERROR(EINVAL), "cannot scale video");
        int ret = av_frame_make_writable(t->vframe);
        if (ret < 0) return fail(t, ret, "cannot scale video");
        sws_scale(t->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, t->vframe->data, t->vframe->linesize);
    }
    int64_t pts = t->o->thumbnail ? 0
                  : t->min_interval > 0 ? t->last_slot /* capped: time base is one slot */
                                        : llrint((at - t->start) / av_q2d(t->venc->time_base));
    if (pts <= t->last_pts) pts = t->last_pts + 1;
    t->last_pts = pts;
    out->pts = pts;
    out->pict_type = AV_PICTURE_TYPE_NONE;
    out->sample_aspect_ratio = t->venc->sample_aspect_ratio;
    if (t->o->quality > 0) out->quality = t->venc->global_quality;
    return encode(t, t->venc, t->vout, out);
}

static int process_video(mk_tc *t, AVFrame *f) {
    t->video_frames++;
    double at = frame_time(t, f, t->ic->streams[t->vin]->time_base);
    if (isnan(at)) at = t->last_kept < 0 ? t->start : t->last_kept + av_q2d(av_inv_q(t->venc->framerate));
    if (t->o->thumbnail) {
        if (t->thumbnail_written) return 0;
        av_frame_unref(t->last_video);
        av_frame_ref(t->last_video, f);
        if (at + 1e-3 < t->thumbnail_at) return 0;
        t->thumbnail_written = 1;
        t->video_done = 1;
        return encode_video_frame(t, f, at);
    }
    if (at + 1e-6 < t->start) return 0;
    if (at >= t->end) {
        t->video_done = 1;
        return 0;
    }
    if (t->min_interval > 0) {
        /* Frame-rate cap: one frame per output slot (the first input frame that reaches it). */
        int64_t slot = (int64_t)floor((at - t->start) / t->min_interval + 1e-6);
        if (slot <= t->last_slot) return 0;
        t->last_slot = slot;
    }
    t->last_kept = at;
    return encode_video_frame(t, f, at);
}

/* ---------------------------------------------------------------- audio */

static int pick_sample_rate(const AVCodec *enc, int want) {
    if (!enc->supported_samplerates) return want;
    int best = 0;
    for (const int *r = enc->supported_samplerates; *r; r++) {
        if (*r == want) return want;
        if (!best || abs(*r - want) < abs(best - want) || (abs(*r - want) == abs(best - want) && *r > best)) best = *r;
    }
    return best;
}

static enum AVSampleFormat pick_sample_fmt(const AVCodec *enc, enum AVSampleFormat input) {
    if (!enc->sample_fmts) return input;
    for (const enum AVSampleFormat *f = enc->sample_fmts; *f != AV_SAMPLE_FMT_NONE; f++)
        if (*f == input || *f == av_get_planar_sample_fmt(input) || *f == av_get_packed_sample_fmt(input)) return *f;
    return enc->sample_fmts[0];
}

static int pick_layout(mk_tc *t, const AVCodec *enc, int channels, AVChannelLayout *out) {
    const AVChannelLayout *input = &t->adec->ch_layout;
    if (!enc->ch_layouts) {
        if (channels == input->nb_channels && input->order == AV_CHANNEL_ORDER_NATIVE) return av_channel_layout_copy(out, input);
        av_channel_layout_default(out, channels);
        return 0;
    }
    const AVChannelLayout *best = NULL;
    for (const AVChannelLayout *l = enc->ch_layouts; l->nb_channels; l++) {
        if (!av_channel_layout_compare(l, input) && l->nb_channels == channels) return av_channel_layout_copy(out, l);
        if (l->nb_channels == channels && !best) best = l;
    }
    if (!best) /* the most channels the encoder takes, up to what was asked */
        for (const AVChannelLayout *l = enc->ch_layouts; l->nb_channels; l++)
            if (l->nb_channels <= channels && (!best || l->nb_channels > best->nb_channels)) best = l;
    if (!best) best = &enc->ch_layouts[0];
    return av_channel_layout_copy(out, best);
}

static int open_audio(mk_tc *t) {
    const mk_transcode_options *o = t->o;
    int ret = open_decoder(t, t->ain, &t->adec);
    if (ret < 0) return ret;
    const AVCodec *enc = avcodec_find_encoder_by_name(o->audio_codec ? o->audio_codec : "aac");
    if (!enc) return fail(t, MK_TRANSCODE_NO_ENCODER, o->audio_codec ? o->audio_codec : "aac");
    if (t->adec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
        int n = t->adec->ch_layout.nb_channels;
        av_channel_layout_uninit(&t->adec->ch_layout);
        av_channel_layout_default(&t->adec->ch_layout, n > 0 ? n : 2);
    }
    AVCodecContext *c = avcodec_alloc_context3(enc);
    if (!c) return fail(t, AVERROR(ENOMEM), "cannot open audio encoder");
    t->aenc = c;
    c->sample_fmt = pick_sample_fmt(enc, t->adec->sample_fmt);
    c->sample_rate = pick_sample_rate(enc, o->sample_rate > 0 ? o->sample_rate : t->adec->sample_rate);
    ret = pick_layout(t, enc, o->channels > 0 ? o->channels : t->adec->ch_layout.nb_channels, &c->ch_layout);
    if (ret < 0) return fail(t, ret, "cannot open audio encoder");
    if (o->audio_bitrate > 0) c->bit_rate = o->audio_bitrate;
    c->time_base = (AVRational){1, c->sample_rate};
    if (t->oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ret = avcodec_open2(c, enc, NULL);
    if (ret < 0) return fail(t, ret, "cannot open audio encoder");

    t->aout = avformat_new_stream(t->oc, NULL);
    if (!t->aout) return fail(t, AVERROR(ENOMEM), "cannot add audio stream");
    ret = avcodec_parameters_from_context(t->aout->codecpar, c);
    if (ret < 0) return fail(t, ret, "cannot add audio stream");
    t->aout->time_base = c->time_base;
    AVDictionaryEntry *language = av_dict_get(t->ic->streams[t->ain]->metadata, "language", NULL, 0);
    if (language) av_dict_set(&t->aout->metadata, "language", language->value, 0);

    int variable = (enc->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) || c->frame_size <= 0;
    t->frame_size = variable ? 1024 : c->frame_size;
    t->fifo = av_audio_fifo_alloc(c->sample_fmt, c->ch_layout.nb_channels, t->frame_size * 4);
    t->aframe = av_frame_alloc();
    if (!t->fifo || !t->aframe) return fail(t, AVERROR(ENOMEM), "cannot allocate audio buffers");
    t->aframe->format = c->sample_fmt;
    t->aframe->sample_rate = c->sample_rate;
    t->aframe->nb_samples = t->frame_size;
    av_channel_layout_copy(&t->aframe->ch_layout, &c->ch_layout);
    ret = av_frame_get_buffer(t->aframe, 0);
    return ret < 0 ? fail(t, ret, "cannot allocate audio buffers") : 0;
}

static int process_audio(mk_tc *t, AVFrame *f);

/* The resampler is built from the first decoded frame (some decoders only know their output
   format once they have decoded one), and rebuilt when the format changes mid-stream
   (HE-AAC switching, concatenated files): the old one is drained first. */
static int ensure_resampler(mk_tc *t, const AVFrame *f) {
    if (t->swr) {
        if (f->format == t->swr_format && f->sample_rate == t->swr_rate &&
            !av_channel_layout_compare(&f->ch_layout, &t->swr_layout))
            return 0;
        int ret = process_audio(t, NULL); /* flush what the old context holds */
        if (ret < 0) return ret;
        swr_free(&t->swr);
        av_channel_layout_uninit(&t->swr_layout);
    }
    AVChannelLayout in_layout;
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || !f->ch_layout.nb_channels)
        av_channel_layout_default(&in_layout, f->ch_layout.nb_channels ? f->ch_layout.nb_channels : t->adec->ch_layout.nb_channels);
    else
        av_channel_layout_copy(&in_layout, &f->ch_layout);
    int ret = swr_alloc_set_opts2(&t->swr, &t->aenc->ch_layout, t->aenc->sample_fmt, t->aenc->sample_rate,
                                  &in_layout, f->format, f->sample_rate, 0, NULL);
    av_channel_layout_uninit(&in_layout);
    if (ret >= 0) ret = swr_init(t->swr);
    if (ret < 0) return fail(t, ret, "cannot resample audio");
    t->swr_format = f->format;
    t->swr_rate = f->sample_rate;
    av_channel_layout_copy(&t->swr_layout, &f->ch_layout);
    return 0;
}

static int ensure_conversion_buffer(mk_tc *t, int samples) {
    if (samples <= t->conv_capacity) return 0;
    if (t->conv) av_freep(&t->conv[0]);
    av_freep(&t->conv);
    int capacity = samples * 2;
    int ret = av_samples_alloc_array_and_samples(&t->conv, NULL, t->aenc->ch_layout.nb_channels, capacity,
                                                 t->aenc->sample_fmt, 0);
    if (ret < 0) {
        t->conv_capacity = 0;
        return fail(t, ret, "cannot allocate audio buffers");
    }
    t->conv_capacity = capacity;
    return 0;
}

/* Encodes whole frames from the FIFO; with `final`, also the last partial frame. */
static int drain_fifo(mk_tc *t, int final) {
    while (av_audio_fifo_size(t->fifo) >= t->frame_size || (final && av_audio_fifo_size(t->fifo) > 0)) {
        int n = av_audio_fifo_size(t->fifo);
        if (n > t->frame_size) n = t->frame_size;
        int ret = av_frame_make_writable(t->aframe);
        if (ret < 0) return fail(t, ret, "cannot encode audio");
        int small_last = t->aenc->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
        t->aframe->nb_samples = (n < t->frame_size && !small_last) ? t->frame_size : n;
        if (n < t->aframe->nb_samples)
            av_samples_set_silence(t->aframe->data, n, t->aframe->nb_samples - n, t->aenc->ch_layout.nb_channels,
                                   t->aenc->sample_fmt);
        if (av_audio_fifo_read(t->fifo, (void **)t->aframe->data, n) < n) return fail(t, AVERROR(EIO), "cannot encode audio");
        t->aframe->pts = t->samples_out;
        t->samples_out += t->aframe->nb_samples;
        ret = encode(t, t->aenc, t->aout, t->aframe);
        t->aframe->nb_samples = t->frame_size;
        if (ret < 0) return ret;
    }
    return 0;
}

/* Writes samples [offset, offset + count) of the conversion buffer into the FIFO. */
static int fifo_write_range(mk_tc *t, int offset, int count) {
    if (count <= 0) return 0;
    int channels = t->aenc->ch_layout.nb_channels;
    int bytes = av_get_bytes_per_sample(t->aenc->sample_fmt);
    void *planes[MK_MAX_CHANNELS];
    if (av_sample_fmt_is_planar(t->aenc->sample_fmt)) {
        if (channels > MK_MAX_CHANNELS) return fail(t, AVERROR(EINVAL), "too many audio channels");
        for (int c = 0; c < channels; c++) planes[c] = t->conv[c] + (size_t)offset * bytes;
    } else {
        planes[0] = t->conv[0] + (size_t)offset * bytes * channels;
    }
    int ret = av_audio_fifo_write(t->fifo, planes, count);
    return ret < count ? fail(t, ret < 0 ? ret : AVERROR(ENOMEM), "cannot buffer audio") : 0;
}

/* Resamples `f` (NULL drains the resampler) and queues the samples inside the trim window. */
static int process_audio(mk_tc *t, AVFrame *f) {
    if (t->audio_done) return 0;
    double at = 0;
    if (f) {
        t->audio_frames++;
        int ret = ensure_resampler(t, f);
        if (ret < 0) return ret;
        at = frame_time(t, f, t->ic->streams[t->ain]->time_base);
        if (isnan(at)) at = t->start + (double)t->samples_out / t->aenc->sample_rate;
        if (at >= t->end) {
            t->audio_done = 1;
            return 0;
        }
    }
    if (!t->swr) return 0;
    int room = swr_get_out_samples(t->swr, f ? f->nb_samples : 0);
    int ret = ensure_conversion_buffer(t, room);
    if (ret < 0) return ret;
    int n = swr_convert(t->swr, t->conv, t->conv_capacity, f ? (const uint8_t **)f->extended_data : NULL,
                        f ? f->nb_samples : 0);
    if (n < 0) return fail(t, n, "cannot resample audio");
    int skip = 0, keep = n;
    if (f) {
        double rate = t->aenc->sample_rate;
        if (at < t->start) skip = (int)fmin(n, llrint((t->start - at) * rate));
        if (isfinite(t->end) && at + (double)n / rate > t->end) keep = (int)fmax(0, llrint((t->end - at) * rate));
    }
    if (!t->audio_started && keep > skip) {
        /* The first kept sample sets the output clock: audio that starts after the video (or
           after the trim start) keeps its offset. */
        t->audio_started = 1;
        t->samples_out = llrint(fmax(0, at + (double)skip / t->aenc->sample_rate - t->start) * t->aenc->sample_rate);
    }
    ret = fifo_write_range(t, skip, keep - skip);
    if (ret < 0) return ret;
    return drain_fifo(t, 0);
}

/* ---------------------------------------------------------------- packets */

static int decode_packet(mk_tc *t, AVCodecContext *dec, const AVPacket *p, int video) {
    int ret = avcodec_send_packet(dec, p);
    /* Like ffmpeg: a corrupt packet is skipped, not fatal; no frames at all is. */
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR_INVALIDDATA && ret != AVERROR(EAGAIN))
        return fail(t, ret, "cannot decode");
    for (;;) {
        ret = avcodec_receive_frame(dec, t->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret == AVERROR_INVALIDDATA) continue;
        if (ret < 0) return fail(t, ret, "cannot decode");
        ret = video ? process_video(t, t->frame) : process_audio(t, t->frame);
        av_frame_unref(t->frame);
        if (ret < 0) return ret;
    }
}

static int copy_packet(mk_tc *t, AVPacket *p) {
    AVStream *in = t->ic->streams[p->stream_index];
    AVStream *out = t->copy_out[p->stream_index];
    av_packet_rescale_ts(p, in->time_base, out->time_base);
    p->stream_index = out->index;
    p->pos = -1;
    double at = p->pts == AV_NOPTS_VALUE ? 0 : p->pts * av_q2d(out->time_base);
    if (at > t->done) t->done = at;
    int ret = av_interleaved_write_frame(t->oc, p);
    return ret < 0 ? fail(t, ret, "cannot write output") : 0;
}

/* Stream copy: the chosen streams, plus (for video) any cover art the container can hold. */
static int open_copy(mk_tc *t) {
    if (t->o->start > 0 || t->o->duration > 0) {
        snprintf(t->err, t->errlen, "cannot trim a stream copy: use an encoding profile (trim) instead");
        return AVERROR(EINVAL);
    }
    t->copy_out = av_calloc(t->ic->nb_streams, sizeof *t->copy_out);
    if (!t->copy_out) return fail(t, AVERROR(ENOMEM), "cannot copy streams");
    t->copy_count = t->ic->nb_streams;
    for (unsigned i = 0; i < t->ic->nb_streams; i++) {
        AVStream *in = t->ic->streams[i];
        int primary = ((int)i == t->vin && t->o->video == MK_STREAM_COPY) || ((int)i == t->ain && t->o->audio == MK_STREAM_COPY);
        int cover = t->o->video == MK_STREAM_COPY && (in->disposition & AV_DISPOSITION_ATTACHED_PIC);
        if (!primary && !cover) continue;
        if (avformat_query_codec(t->oc->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 0) {
            if (!primary) continue;
            snprintf(t->err, t->errlen, "cannot copy: %s does not fit the %s container", avcodec_get_name(in->codecpar->codec_id),
                     t->oc->oformat->name);
            return AVERROR(EINVAL);
        }
        AVStream *out = avformat_new_stream(t->oc, NULL);
        if (!out) return fail(t, AVERROR(ENOMEM), "cannot copy streams");
        int ret = avcodec_parameters_copy(out->codecpar, in->codecpar);
        if (ret < 0) return fail(t, ret, "cannot copy streams");
        out->codecpar->codec_tag = 0;
        out->time_base = in->time_base;
        out->avg_frame_rate = in->avg_frame_rate;
        out->disposition = in->disposition;
        av_dict_copy(&out->metadata, in->metadata, 0);
        t->copy_out[i] = out;
    }
    return 0;
}

/* ---------------------------------------------------------------- the whole run */

static int open_output(mk_tc *t, const char *output) {
    int ret = avformat_alloc_output_context2(&t->oc, NULL, t->o->container, output);
    if (ret < 0 || !t->oc) return fail(t, ret < 0 ? ret : AVERROR(EINVAL), "cannot choose an output format");
    t->oc->interrupt_callback = (AVIOInterruptCB){interrupted, t};
    av_dict_copy(&t->oc->metadata, t->ic->metadata, 0);
    /* Ogg and some others keep the tags on the audio stream (Vorbis comments): lift them. */
    if (t->ain >= 0) av_dict_copy(&t->oc->metadata, t->ic->streams[t->ain]->metadata, AV_DICT_DONT_OVERWRITE);
    static const char *const stale[] = {"encoder", "major_brand", "minor_version", "compatible_brands", "handler_name",
                                        "vendor_id", "language", "DURATION"};
    for (size_t i = 0; i < sizeof stale / sizeof *stale; i++) av_dict_set(&t->oc->metadata, stale[i], NULL, 0);
    return 0;
}

static int write_header(mk_tc *t, const char *output) {
    int ret;
    if (!(t->oc->oformat->flags & AVFMT_NOFILE)) {
        ret = avio_open2(&t->oc->pb, output, AVIO_FLAG_WRITE, &t->oc->interrupt_callback, NULL);
        if (ret < 0) return fail(t, ret, "cannot create output");
    }
    /* Ogg keeps tags per stream (Vorbis comments): give the audio stream the file's tags. */
    if (t->aout && !strcmp(t->oc->oformat->name, "ogg")) av_dict_copy(&t->aout->metadata, t->oc->metadata, AV_DICT_DONT_OVERWRITE);
    AVDictionary *options = NULL;
    if (t->o->faststart) av_dict_set(&options, "movflags", "+faststart", 0);
    ret = avformat_write_header(t->oc, &options);
    av_dict_free(&options);
    return ret < 0 ? fail(t, ret, "cannot write output header") : 0;
}

static int run(mk_tc *t, const char *input, const char *output) {
    const mk_transcode_options *o = t->o;
    mk_avlog_clear();
    t->ic = avformat_alloc_context();
    if (!t->ic) return fail(t, AVERROR(ENOMEM), "cannot open input");
    t->ic->interrupt_callback = (AVIOInterruptCB){interrupted, t};
    int ret = avformat_open_input(&t->ic, input, NULL, NULL);
    if (ret < 0) return fail(t, ret, "cannot open input");
    ret = avformat_find_stream_info(t->ic, NULL);
    if (ret < 0) return fail(t, ret, "cannot read stream info");

    int video = o->thumbnail ? MK_STREAM_ENCODE : o->video;
    int audio = o->thumbnail ? MK_STREAM_DROP : o->audio;
    t->vin = video ? pick_video_stream(t->ic) : -1;
    t->ain = audio ? av_find_best_stream(t->ic, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) : -1;
    if (t->ain < 0) t->ain = -1;
    if (video && t->vin < 0 && (o->video_required || o->thumbnail)) return fail(t, MK_TRANSCODE_NO_VIDEO, "cannot transcode");
    if (audio && t->ain < 0 && o->audio_required) return fail(t, MK_TRANSCODE_NO_AUDIO, "cannot transcode");
    if (t->vin < 0 && t->ain < 0) return fail(t, MK_TRANSCODE_NOTHING_TO_DO, "cannot transcode");

    double input_duration = t->ic->duration != AV_NOPTS_VALUE ? t->ic->duration / (double)AV_TIME_BASE : 0;
    t->origin = t->ic->start_time != AV_NOPTS_VALUE ? t->ic->start_time / (double)AV_TIME_BASE : 0;
    t->start = o->start > 0 ? o->start : 0;
    t->end = o->duration > 0 ? t->start + o->duration : INFINITY;
    t->total = isfinite(t->end) ? o->duration : fmax(0, input_duration - t->start);
    double seek_to = t->start;
    if (o->thumbnail) {
        double at = o->thumbnail_time >= 0 ? o->thumbnail_time : input_duration * 0.1;
        if (input_duration > 0 && at > input_duration) at = input_duration;
        t->thumbnail_at = at;
        seek_to = at;
        t->total = 0;
    }
    /* Demuxers with timestamp discontinuities (MPEG-TS/PS) seek by byte estimate and can land
       past the last keyframe before the target: decode from the start instead (frames before
       the target are dropped either way). */
    if (seek_to > 0 && !(t->ic->iformat->flags & AVFMT_TS_DISCONT)) {
        int64_t ts = (int64_t)((seek_to + t->origin) * AV_TIME_BASE);
        if (avformat_seek_file(t->ic, -1, INT64_MIN, ts, ts, 0) < 0) av_seek_frame(t->ic, -1, 0, AVSEEK_FLAG_BACKWARD);
    }

    if ((ret = open_output(t, output)) < 0) return ret;
    if (t->vin >= 0 && video == MK_STREAM_ENCODE && (ret = open_video(t)) < 0) return ret;
    if (t->ain >= 0 && audio == MK_STREAM_ENCODE && (ret = open_audio(t)) < 0) return ret;
    if ((video == MK_STREAM_COPY || audio == MK_STREAM_COPY) && (ret = open_copy(t)) < 0) return ret;
    if ((ret = write_header(t, output)) < 0) return ret;

    t->pkt = av_packet_alloc();
    t->opkt = av_packet_alloc();
    t->frame = av_frame_alloc();
    if (!t->pkt || !t->opkt || !t->frame) return fail(t, AVERROR(ENOMEM), "cannot allocate packets");

    int video_active = t->vdec != NULL, audio_active = t->adec != NULL;
    for (;;) {
        if (t->cancel && *t->cancel) return fail(t, MK_TRANSCODE_CANCELED, "transcode");
        if ((!video_active || t->video_done) && (!audio_active || t->audio_done) && (video_active || audio_active)) break;
        ret = av_read_frame(t->ic, t->pkt);
        if (ret == AVERROR_EOF) break;
        if (ret < 0) {
            if (t->cancel && *t->cancel) return fail(t, MK_TRANSCODE_CANCELED, "transcode");
            if (ret == AVERROR_INVALIDDATA || ret == AVERROR(EIO)) break; /* truncated tail: keep what decoded */
            return fail(t, ret, "cannot read input");
        }
        int index = t->pkt->stream_index;
        if (index == t->vin && t->vdec && !t->video_done) ret = decode_packet(t, t->vdec, t->pkt, 1);
        else if (index == t->ain && t->adec && !t->audio_done) ret = decode_packet(t, t->adec, t->pkt, 0);
        else if (t->copy_out && (unsigned)index < t->copy_count && t->copy_out[index]) ret = copy_packet(t, t->pkt);
        else ret = 0;
        av_packet_unref(t->pkt);
        if (ret < 0) return ret;
        report(t);
    }

    /* Flush: decoders, then the resampler and FIFO, then the encoders. */
    if (t->vdec && (ret = decode_packet(t, t->vdec, NULL, 1)) < 0) return ret;
    if (t->adec && (ret = decode_packet(t, t->adec, NULL, 0)) < 0) return ret;
    if (t->vdec && t->video_frames == 0) return fail(t, MK_TRANSCODE_NO_FRAME, "cannot decode video");
    if (t->adec && t->audio_frames == 0) return fail(t, MK_TRANSCODE_NO_FRAME, "cannot decode audio");
    if (o->thumbnail && !t->thumbnail_written) {
        /* The asked time is past the last frame: take the last one decoded. */
        if (!t->last_video->data[0]) return fail(t, MK_TRANSCODE_NO_FRAME, "cannot make thumbnail");
        t->thumbnail_written = 1;
        if ((ret = encode_video_frame(t, t->last_video, t->thumbnail_at)) < 0) return ret;
    }
    if (t->aenc) {
        if (!t->audio_done && (ret = process_audio(t, NULL)) < 0) return ret;
        if ((ret = drain_fifo(t, 1)) < 0) return ret;
        if ((ret = encode(t, t->aenc, t->aout, NULL)) < 0) return ret;
    }
    if (t->venc && (ret = encode(t, t->venc, t->vout, NULL)) < 0) return ret;
    ret = av_write_trailer(t->oc);
    if (ret < 0) return fail(t, ret, "cannot finish output");
    if (t->progress) t->progress(t->opaque, t->done, t->total);
    return 0;
}

static void release(mk_tc *t) {
    avcodec_free_context(&t->vdec);
    avcodec_free_context(&t->venc);
    avcodec_free_context(&t->adec);
    avcodec_free_context(&t->aenc);
    sws_freeContext(t->sws);
    swr_free(&t->swr);
    av_channel_layout_uninit(&t->swr_layout);
    if (t->fifo) av_audio_fifo_free(t->fifo);
    if (t->conv) av_freep(&t->conv[0]);
    av_freep(&t->conv);
    av_frame_free(&t->frame);
    av_frame_free(&t->vframe);
    av_frame_free(&t->last_video);
    av_frame_free(&t->aframe);
    av_packet_free(&t->pkt);
    av_packet_free(&t->opkt);
    av_freep(&t->copy_out);
    if (t->oc) {
        if (!(t->oc->oformat->flags & AVFMT_NOFILE)) avio_closep(&t->oc->pb);
        avformat_free_context(t->oc);
    }
    avformat_close_input(&t->ic);
}

int mk_transcode(const char *input, const char *output, const mk_transcode_options *options,
                 mk_progress_fn progress, void *opaque, const volatile int *cancel,
                 char *error, size_t error_size) {
    mk_tc t;
    memset(&t, 0, sizeof t);
    t.o = options;
    t.cancel = cancel;
    t.progress = progress;
    t.opaque = opaque;
    t.err = error;
    t.errlen = error_size;
    t.vin = t.ain = -1;
    if (error_size) error[0] = '\0';
    int ret = run(&t, input, output);
    release(&t);
    return ret;
}
