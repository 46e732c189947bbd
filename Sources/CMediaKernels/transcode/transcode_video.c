/* The video path: decoder output -> frame-rate cap / trim / thumbnail pick -> swscale -> encoder. */
#include "transcode_internal.h"

#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <math.h>
#include <stdio.h>

int mk_tc_pick_video_stream(AVFormatContext *ic) {
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

/* Clockwise quarter turns that make a stream with a display matrix look right, as ffmpeg's
 * autorotate does: the matrix's rotation is counterclockwise (a phone's portrait video is
 * stored landscape with -90, to be turned 90 degrees clockwise). */
static int quarter_turns(AVStream *st) {
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!matrix || size < 9 * sizeof(int32_t)) return 0;
    double rotation = av_display_rotation_get((const int32_t *)matrix);
    if (isnan(rotation)) return 0;
    long turns = lrint(-rotation / 90.0);
    return (int)(((turns % 4) + 4) % 4);
}

/* `src` turned `turns` quarter turns clockwise into `dst` (8-bit 4:2:0 planes, dst sized). */
static void rotate_planes(const AVFrame *src, AVFrame *dst, int turns) {
    for (int plane = 0; plane < 3; plane++) {
        int shift = plane ? 1 : 0;
        int sw = AV_CEIL_RSHIFT(src->width, shift), sh = AV_CEIL_RSHIFT(src->height, shift);
        const uint8_t *s = src->data[plane];
        uint8_t *d = dst->data[plane];
        int sl = src->linesize[plane], dl = dst->linesize[plane];
        for (int y = 0; y < sh; y++) {
            const uint8_t *row = s + (ptrdiff_t)y * sl;
            for (int x = 0; x < sw; x++) {
                int dx, dy;
                switch (turns) {
                case 1: dx = sh - 1 - y; dy = x; break;          /* clockwise */
                case 2: dx = sw - 1 - x; dy = sh - 1 - y; break; /* upside down */
                default: dx = y; dy = sw - 1 - x; break;         /* counterclockwise */
                }
                d[(ptrdiff_t)dy * dl + dx] = row[x];
            }
        }
    }
}

static enum AVPixelFormat pick_pix_fmt(const AVCodec *enc) {
    if (enc->id == AV_CODEC_ID_MJPEG) return AV_PIX_FMT_YUVJ420P; /* full-range JPEG */
    if (!enc->pix_fmts) return AV_PIX_FMT_YUV420P;
    for (const enum AVPixelFormat *p = enc->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
        if (*p == AV_PIX_FMT_YUV420P) return *p;
    return enc->pix_fmts[0];
}

static int set_option(mk_tc *t, AVCodecContext *c, const char *name, const char *value) {
    int ret = av_opt_set(c->priv_data, name, value, 0);
    if (ret < 0) {
        char operation[128];
        snprintf(operation, sizeof operation, "cannot set %s '%s' on %s", name, value, c->codec->name);
        return mk_tc_fail(t, ret, operation);
    }
    return 0;
}

int mk_tc_open_video(mk_tc *t) {
    const mk_transcode_options *o = t->o;
    AVStream *in = t->ic->streams[t->vin];
    /* A decoder already there is shared with other outputs of the same input (mk_transcode_many). */
    int ret = t->vdec ? 0 : mk_tc_open_decoder(t, t->vin, &t->vdec);
    if (ret < 0) return ret;
    const AVCodec *enc = avcodec_find_encoder_by_name(o->video_codec ? o->video_codec : "libx264");
    if (!enc) return mk_tc_fail(t, MK_TRANSCODE_NO_ENCODER, o->video_codec ? o->video_codec : "libx264");

    /* Display size (sample aspect applied), fitted inside the maximum, never enlarged, even. */
    AVRational sar = av_guess_sample_aspect_ratio(t->ic, in, NULL);
    double width = in->codecpar->width, height = in->codecpar->height;
    if (sar.num > 0 && sar.den > 0) width = width * sar.num / sar.den;
    t->quarter_turns = quarter_turns(in);
    if (t->quarter_turns % 2) { double swap = width; width = height; height = swap; }  /* portrait */
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
    if (!c) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot open video encoder");
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
        if ((ret = set_option(t, c, "crf", crf)) < 0) return ret;
    }
    if (o->preset && (ret = set_option(t, c, "preset", o->preset)) < 0) return ret;
    if (o->quality > 0) {
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * o->quality;
    }
    if (t->oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ret = avcodec_open2(c, enc, NULL);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot open video encoder");

    t->vout = avformat_new_stream(t->oc, NULL);
    if (!t->vout) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot add video stream");
    ret = avcodec_parameters_from_context(t->vout->codecpar, c);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot add video stream");
    t->vout->time_base = c->time_base;
    t->vout->avg_frame_rate = rate;
    AVDictionaryEntry *language = av_dict_get(in->metadata, "language", NULL, 0);
    if (language && (ret = av_dict_set(&t->vout->metadata, "language", language->value, 0)) < 0)
        return mk_tc_fail(t, ret, "cannot add video stream");

    t->vframe = av_frame_alloc();
    t->last_video = av_frame_alloc();
    if (!t->vframe || !t->last_video) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot allocate frames");
    t->vframe->format = c->pix_fmt;
    t->vframe->width = out_w;
    t->vframe->height = out_h;
    ret = av_frame_get_buffer(t->vframe, 0);
    if (ret >= 0 && t->quarter_turns) {
        /* Scaled first at the size before the turn, then turned into vframe. */
        if (c->pix_fmt != AV_PIX_FMT_YUV420P && c->pix_fmt != AV_PIX_FMT_YUVJ420P)
            return mk_tc_fail(t, AVERROR(ENOSYS), "cannot rotate video for this encoder's pixel format");
        t->vscaled = av_frame_alloc();
        if (!t->vscaled) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot allocate frames");
        t->vscaled->format = c->pix_fmt;
        t->vscaled->width = t->quarter_turns % 2 ? out_h : out_w;
        t->vscaled->height = t->quarter_turns % 2 ? out_w : out_h;
        ret = av_frame_get_buffer(t->vscaled, 0);
    }
    t->last_pts = INT64_MIN;
    t->last_slot = INT64_MIN;
    t->last_kept = -INFINITY;
    return ret < 0 ? mk_tc_fail(t, ret, "cannot allocate frames") : 0;
}

static int encode_video_frame(mk_tc *t, AVFrame *f, double at) {
    AVFrame *out = t->vframe;
    AVFrame *scaled = t->quarter_turns ? t->vscaled : t->vframe;  /* the size before a turn */
    if (!t->quarter_turns && f->width == t->venc->width && f->height == t->venc->height && f->format == t->venc->pix_fmt) {
        out = f; /* already the encoder's size and format: no copy through swscale */
    } else {
        t->sws = sws_getCachedContext(t->sws, f->width, f->height, f->format, scaled->width, scaled->height,
                                      t->venc->pix_fmt, SWS_BICUBIC, NULL, NULL, NULL);
        if (!t->sws) return mk_tc_fail(t, AVERROR(EINVAL), "cannot scale video");
        int ret = av_frame_make_writable(scaled);
        if (ret < 0) return mk_tc_fail(t, ret, "cannot scale video");
        ret = sws_scale(t->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, scaled->data,
                        scaled->linesize);
        if (ret <= 0) return mk_tc_fail(t, ret < 0 ? ret : AVERROR(EINVAL), "cannot scale video");
        if (t->quarter_turns) {
            if ((ret = av_frame_make_writable(t->vframe)) < 0) return mk_tc_fail(t, ret, "cannot rotate video");
            rotate_planes(scaled, t->vframe, t->quarter_turns);
        }
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
    return mk_tc_encode(t, t->venc, t->vout, out);
}

int mk_tc_process_video(mk_tc *t, AVFrame *f) {
    t->video_frames++;
    double at = mk_tc_frame_time(t, f, t->ic->streams[t->vin]->time_base);
    if (isnan(at)) at = t->last_kept < 0 ? t->start : t->last_kept + av_q2d(av_inv_q(t->venc->framerate));
    if (t->o->thumbnail) {
        if (t->thumbnail_written) return 0;
        av_frame_unref(t->last_video);
        int ret = av_frame_ref(t->last_video, f);
        if (ret < 0) return mk_tc_fail(t, ret, "cannot make thumbnail");
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

int mk_tc_finish_video(mk_tc *t) {
    int ret;
    if (t->o->thumbnail && !t->thumbnail_written) {
        /* The asked time is past the last frame: take the last one decoded. */
        if (!t->last_video->data[0]) return mk_tc_fail(t, MK_TRANSCODE_NO_FRAME, "cannot make thumbnail");
        t->thumbnail_written = 1;
        if ((ret = encode_video_frame(t, t->last_video, t->thumbnail_at)) < 0) return ret;
    }
    return mk_tc_encode(t, t->venc, t->vout, NULL);
}
