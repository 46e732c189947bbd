/* The audio path: decoder output -> swresample -> trim window -> FIFO -> fixed-size encoder frames. */
#include "transcode_internal.h"

#include <libavutil/samplefmt.h>
#include <math.h>
#include <stdlib.h>

#define MK_MAX_CHANNELS 64

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

int mk_tc_open_audio(mk_tc *t) {
    const mk_transcode_options *o = t->o;
    /* A decoder already there is shared with other outputs of the same input (mk_transcode_many). */
    int ret = t->adec ? 0 : mk_tc_open_decoder(t, t->ain, &t->adec);
    if (ret < 0) return ret;
    const AVCodec *enc = avcodec_find_encoder_by_name(o->audio_codec ? o->audio_codec : "aac");
    if (!enc) return mk_tc_fail(t, MK_TRANSCODE_NO_ENCODER, o->audio_codec ? o->audio_codec : "aac");
    if (t->adec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
        int n = t->adec->ch_layout.nb_channels;
        av_channel_layout_uninit(&t->adec->ch_layout);
        av_channel_layout_default(&t->adec->ch_layout, n > 0 ? n : 2);
    }
    AVCodecContext *c = avcodec_alloc_context3(enc);
    if (!c) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot open audio encoder");
    t->aenc = c;
    c->sample_fmt = pick_sample_fmt(enc, t->adec->sample_fmt);
    c->sample_rate = pick_sample_rate(enc, o->sample_rate > 0 ? o->sample_rate : t->adec->sample_rate);
    ret = pick_layout(t, enc, o->channels > 0 ? o->channels : t->adec->ch_layout.nb_channels, &c->ch_layout);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot open audio encoder");
    if (o->audio_bitrate > 0) c->bit_rate = o->audio_bitrate;
    c->time_base = (AVRational){1, c->sample_rate};
    if (t->oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ret = avcodec_open2(c, enc, NULL);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot open audio encoder");

    t->aout = avformat_new_stream(t->oc, NULL);
    if (!t->aout) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot add audio stream");
    ret = avcodec_parameters_from_context(t->aout->codecpar, c);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot add audio stream");
    t->aout->time_base = c->time_base;
    AVDictionaryEntry *language = av_dict_get(t->ic->streams[t->ain]->metadata, "language", NULL, 0);
    if (language && (ret = av_dict_set(&t->aout->metadata, "language", language->value, 0)) < 0)
        return mk_tc_fail(t, ret, "cannot add audio stream");

    int variable = (enc->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) || c->frame_size <= 0;
    t->frame_size = variable ? 1024 : c->frame_size;
    t->fifo = av_audio_fifo_alloc(c->sample_fmt, c->ch_layout.nb_channels, t->frame_size * 4);
    t->aframe = av_frame_alloc();
    if (!t->fifo || !t->aframe) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot allocate audio buffers");
    t->aframe->format = c->sample_fmt;
    t->aframe->sample_rate = c->sample_rate;
    t->aframe->nb_samples = t->frame_size;
    if ((ret = av_channel_layout_copy(&t->aframe->ch_layout, &c->ch_layout)) >= 0) ret = av_frame_get_buffer(t->aframe, 0);
    return ret < 0 ? mk_tc_fail(t, ret, "cannot allocate audio buffers") : 0;
}

/* The resampler is built from the first decoded frame (some decoders only know their output
   format once they have decoded one), and rebuilt when the format changes mid-stream
   (HE-AAC switching, concatenated files): the old one is drained first. */
static int ensure_resampler(mk_tc *t, const AVFrame *f) {
    if (t->swr) {
        if (f->format == t->swr_format && f->sample_rate == t->swr_rate &&
            !av_channel_layout_compare(&f->ch_layout, &t->swr_layout))
            return 0;
        int ret = mk_tc_process_audio(t, NULL); /* flush what the old context holds */
        if (ret < 0) return ret;
        swr_free(&t->swr);
        av_channel_layout_uninit(&t->swr_layout);
    }
    AVChannelLayout in_layout = {0};
    int ret = 0;
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || !f->ch_layout.nb_channels)
        av_channel_layout_default(&in_layout, f->ch_layout.nb_channels ? f->ch_layout.nb_channels : t->adec->ch_layout.nb_channels);
    else
        ret = av_channel_layout_copy(&in_layout, &f->ch_layout);
    if (ret >= 0)
        ret = swr_alloc_set_opts2(&t->swr, &t->aenc->ch_layout, t->aenc->sample_fmt, t->aenc->sample_rate, &in_layout,
                                  f->format, f->sample_rate, 0, NULL);
    av_channel_layout_uninit(&in_layout);
    if (ret >= 0) ret = swr_init(t->swr);
    if (ret >= 0) ret = av_channel_layout_copy(&t->swr_layout, &f->ch_layout);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot resample audio");
    t->swr_format = f->format;
    t->swr_rate = f->sample_rate;
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
        return mk_tc_fail(t, ret, "cannot allocate audio buffers");
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
        if (ret < 0) return mk_tc_fail(t, ret, "cannot encode audio");
        int small_last = t->aenc->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
        t->aframe->nb_samples = (n < t->frame_size && !small_last) ? t->frame_size : n;
        if (n < t->aframe->nb_samples &&
            (ret = av_samples_set_silence(t->aframe->data, n, t->aframe->nb_samples - n, t->aenc->ch_layout.nb_channels,
                                          t->aenc->sample_fmt)) < 0)
            return mk_tc_fail(t, ret, "cannot encode audio");
        if (av_audio_fifo_read(t->fifo, (void **)t->aframe->data, n) < n) return mk_tc_fail(t, AVERROR(EIO), "cannot encode audio");
        t->aframe->pts = t->samples_out;
        t->samples_out += t->aframe->nb_samples;
        ret = mk_tc_encode(t, t->aenc, t->aout, t->aframe);
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
        if (channels > MK_MAX_CHANNELS) return mk_tc_fail(t, AVERROR(EINVAL), "too many audio channels");
        for (int c = 0; c < channels; c++) planes[c] = t->conv[c] + (size_t)offset * bytes;
    } else {
        planes[0] = t->conv[0] + (size_t)offset * bytes * channels;
    }
    int ret = av_audio_fifo_write(t->fifo, planes, count);
    return ret < count ? mk_tc_fail(t, ret < 0 ? ret : AVERROR(ENOMEM), "cannot buffer audio") : 0;
}

int mk_tc_process_audio(mk_tc *t, AVFrame *f) {
    if (t->audio_done) return 0;
    double at = 0;
    if (f) {
        t->audio_frames++;
        int ret = ensure_resampler(t, f);
        if (ret < 0) return ret;
        at = mk_tc_frame_time(t, f, t->ic->streams[t->ain]->time_base);
        if (isnan(at)) at = t->start + (double)t->samples_out / t->aenc->sample_rate;
        if (at >= t->end) {
            t->audio_done = 1;
            return 0;
        }
    }
    if (!t->swr) return 0;
    int room = swr_get_out_samples(t->swr, f ? f->nb_samples : 0);
    if (room < 0) return mk_tc_fail(t, room, "cannot resample audio");
    int ret = ensure_conversion_buffer(t, room);
    if (ret < 0) return ret;
    int n = swr_convert(t->swr, t->conv, t->conv_capacity, f ? (const uint8_t **)f->extended_data : NULL,
                        f ? f->nb_samples : 0);
    if (n < 0) return mk_tc_fail(t, n, "cannot resample audio");
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

int mk_tc_finish_audio(mk_tc *t) {
    int ret;
    if (!t->audio_done && (ret = mk_tc_process_audio(t, NULL)) < 0) return ret;
    if ((ret = drain_fifo(t, 1)) < 0) return ret;
    return mk_tc_encode(t, t->aenc, t->aout, NULL);
}
