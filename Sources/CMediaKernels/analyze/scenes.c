/*
 * Scene cuts in one decode of the best video stream: scdet's score on each frame's 8-bit luma
 * (the decoder's own plane when it gives planar 8-bit YUV, else converted), and a JPEG poster
 * of the first frame of each scene. The score is computed here rather than through libavfilter's
 * scdet so that the frames the score reads are the ones the posters are made from, without a
 * filter graph (and without linking libavfilter for one filter).
 */
#include "mk_scenes.h"
#include "mk_avlog.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mk_sc {
    const mk_scenes_options *o;
    const mk_cancel *cancel;
    mk_scenes *out;
    char *err;
    size_t errlen;
    AVFormatContext *ic;
    AVCodecContext *dec;
    AVFrame *frame, *yuv, *poster;
    AVPacket *pkt, *jpkt;
    int vin;
    struct SwsContext *to_yuv, *to_poster;
    AVCodecContext *jpeg;
    uint8_t *prev; /* the previous frame's luma */
    int prev_size;
    int have_prev;
    double prev_mafd, scene_start, last_poster, first_time, end_time;
    int decode_errors;
    char decode_error[AV_ERROR_MAX_STRING_SIZE];
} mk_sc;

static int fail(mk_sc *s, int code, const char *operation) {
    char reason[AV_ERROR_MAX_STRING_SIZE] = {0};
    const char *detail = mk_avlog_last();
    switch (code) {
    case MK_SCENES_CANCELED: snprintf(reason, sizeof reason, "canceled"); break;
    case MK_SCENES_NO_VIDEO: snprintf(reason, sizeof reason, "the input has no video stream"); break;
    case MK_SCENES_NO_DECODER: snprintf(reason, sizeof reason, "no decoder for this codec"); break;
    case MK_SCENES_NO_FRAME: snprintf(reason, sizeof reason, "no frame could be decoded"); break;
    default: av_strerror(code, reason, sizeof reason); break;
    }
    if (!operation)
        snprintf(s->err, s->errlen, "%s", reason);
    else if (code != MK_SCENES_CANCELED && code > -1000000 && detail[0] && !strstr(reason, detail))
        snprintf(s->err, s->errlen, "%s: %s (%s)", operation, reason, detail);
    else
        snprintf(s->err, s->errlen, "%s: %s", operation, reason);
    return code;
}

static int interrupted(void *opaque) { return mk_cancel_is_raised(((mk_sc *)opaque)->cancel); }

static int planar_yuv8(int format) {
    return format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUV422P ||
           format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUV444P || format == AV_PIX_FMT_YUVJ444P;
}

/* The frame as 8-bit planar YUV: itself, or converted to 4:2:0. */
static int as_yuv(mk_sc *s, AVFrame *f, AVFrame **yuv) {
    if (planar_yuv8(f->format)) {
        *yuv = f;
        return 0;
    }
    s->to_yuv = sws_getCachedContext(s->to_yuv, f->width, f->height, f->format, f->width, f->height, AV_PIX_FMT_YUV420P,
                                     SWS_FAST_BILINEAR, NULL, NULL, NULL);
    if (!s->to_yuv) return fail(s, AVERROR(EINVAL), "cannot convert video");
    if (s->yuv->width != f->width || s->yuv->height != f->height) {
        av_frame_unref(s->yuv);
        s->yuv->format = AV_PIX_FMT_YUV420P;
        s->yuv->width = f->width;
        s->yuv->height = f->height;
        int ret = av_frame_get_buffer(s->yuv, 0);
        if (ret < 0) return fail(s, ret, "cannot convert video");
    }
    sws_scale(s->to_yuv, (const uint8_t *const *)f->data, f->linesize, 0, f->height, s->yuv->data, s->yuv->linesize);
    *yuv = s->yuv;
    return 0;
}

/* scdet's mafd of the luma (scdet reads only the first plane of YUV) against the previous
   frame's, which it then replaces; -1 for the first frame (or one of another size). */
static double mafd(mk_sc *s, const AVFrame *f) {
    uint64_t sad = 0;
    int w = f->width, h = f->height, comparable = s->have_prev;
    if (s->prev_size != w * h) {
        uint8_t *grown = realloc(s->prev, (size_t)w * (size_t)h);
        if (!grown) return -2;
        s->prev = grown;
        s->prev_size = w * h;
        comparable = 0;
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *row = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        uint8_t *old = s->prev + (size_t)y * (size_t)w;
        if (comparable) {
            uint32_t line = 0;
            for (int x = 0; x < w; x++) line += (uint32_t)abs(row[x] - old[x]);
            sad += line;
        }
        memcpy(old, row, (size_t)w);
    }
    uint64_t count = (uint64_t)w * (uint64_t)h;
    s->have_prev = 1;
    return comparable ? (double)sad * 100.0 / (double)count / 256.0 : -1;
}

static int grow_cuts(mk_sc *s) {
    mk_scenes *o = s->out;
    if (o->cut_count < o->cut_capacity) return 0;
    int capacity = o->cut_capacity ? 2 * o->cut_capacity : 64;
    mk_scene_cut *grown = realloc(o->cuts, (size_t)capacity * sizeof *grown);
    if (!grown) return fail(s, AVERROR(ENOMEM), "cannot keep scene cuts");
    o->cuts = grown;
    o->cut_capacity = capacity;
    return 0;
}

static int open_jpeg(mk_sc *s, const AVFrame *f) {
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!codec) return fail(s, MK_SCENES_NO_DECODER, "cannot make posters: no JPEG encoder");
    if (!(s->jpeg = avcodec_alloc_context3(codec))) return fail(s, AVERROR(ENOMEM), "cannot make posters");
    int width = s->o->poster_width & ~1;
    int height = (int)lrint((double)f->height * width / f->width * (f->sample_aspect_ratio.num && f->sample_aspect_ratio.den
        ? (double)f->sample_aspect_ratio.den / f->sample_aspect_ratio.num : 1.0)) & ~1;
    if (width < 2 || height < 2) return fail(s, AVERROR(EINVAL), "cannot make posters: the size is too small");
    s->jpeg->width = width;
    s->jpeg->height = height;
    s->jpeg->pix_fmt = AV_PIX_FMT_YUVJ420P;
    s->jpeg->time_base = (AVRational){1, 25};
    s->jpeg->flags |= AV_CODEC_FLAG_QSCALE;
    s->jpeg->global_quality = FF_QP2LAMBDA * 3;
    int ret = avcodec_open2(s->jpeg, codec, NULL);
    if (ret < 0) return fail(s, ret, "cannot make posters");
    s->poster->format = AV_PIX_FMT_YUVJ420P;
    s->poster->width = width;
    s->poster->height = height;
    if ((ret = av_frame_get_buffer(s->poster, 0)) < 0) return fail(s, ret, "cannot make posters");
    return 0;
}

static int write_poster(mk_sc *s, const AVFrame *f, double time) {
    int ret;
    if (!s->jpeg && (ret = open_jpeg(s, f)) < 0) return ret;
    mk_scenes *o = s->out;
    if (o->poster_count == o->poster_capacity) {
        int capacity = o->poster_capacity ? 2 * o->poster_capacity : 64;
        double *grown = realloc(o->poster_times, (size_t)capacity * sizeof *grown);
        if (!grown) return fail(s, AVERROR(ENOMEM), "cannot make posters");
        o->poster_times = grown;
        o->poster_capacity = capacity;
    }
    s->to_poster = sws_getCachedContext(s->to_poster, f->width, f->height, f->format, s->jpeg->width, s->jpeg->height,
                                        AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, NULL, NULL, NULL);
    if (!s->to_poster || (ret = av_frame_make_writable(s->poster)) < 0) return fail(s, s->to_poster ? ret : AVERROR(EINVAL), "cannot make posters");
    sws_scale(s->to_poster, (const uint8_t *const *)f->data, f->linesize, 0, f->height, s->poster->data, s->poster->linesize);
    s->poster->quality = s->jpeg->global_quality;
    s->poster->pts = o->poster_count;
    if ((ret = avcodec_send_frame(s->jpeg, s->poster)) < 0 || (ret = avcodec_receive_packet(s->jpeg, s->jpkt)) < 0)
        return fail(s, ret, "cannot encode a poster");
    char path[4096];
    snprintf(path, sizeof path, "%s/poster-%04d.jpg", s->o->poster_dir, o->poster_count + 1);
    FILE *file = fopen(path, "wb");
    int written = file && fwrite(s->jpkt->data, 1, (size_t)s->jpkt->size, file) == (size_t)s->jpkt->size;
    if (file && fclose(file) != 0) written = 0;
    av_packet_unref(s->jpkt);
    if (!written) return fail(s, AVERROR(EIO), "cannot write a poster");
    o->poster_times[o->poster_count++] = time;
    s->last_poster = time;
    return 0;
}

static int frame_done(mk_sc *s, AVFrame *f) {
    AVStream *st = s->ic->streams[s->vin];
    int64_t pts = f->best_effort_timestamp;
    double time = pts == AV_NOPTS_VALUE ? (s->out->frames ? s->end_time : 0) : pts * av_q2d(st->time_base);
    double step = f->pkt_duration > 0 ? f->pkt_duration * av_q2d(st->time_base) : (st->avg_frame_rate.num ? av_q2d(av_inv_q(st->avg_frame_rate)) : 0);
    AVFrame *yuv;
    int ret = as_yuv(s, f, &yuv);
    if (ret < 0) return ret;
    double m = mafd(s, yuv);
    if (m < -1.5) return fail(s, AVERROR(ENOMEM), "cannot compare frames");
    int starts = s->out->frames == 0;
    if (m >= 0) {
        double score = fmin(m, fabs(m - s->prev_mafd));
        if (score > 100) score = 100;
        if (score >= s->o->threshold) {
            if ((ret = grow_cuts(s)) < 0) return ret;
            s->out->cuts[s->out->cut_count++] = (mk_scene_cut){time, score};
            starts = 1;
        }
        s->prev_mafd = m;
    }
    if (s->out->frames == 0) {
        s->first_time = time;
        s->out->width = f->width;
        s->out->height = f->height;
    }
    if (starts) s->scene_start = time;
    if (s->o->poster_width > 0 && (starts || (s->o->poster_every > 0 && time - s->last_poster >= s->o->poster_every - 1e-9)) &&
        (ret = write_poster(s, f, time)) < 0)
        return ret;
    s->out->frames++;
    if (time + step > s->end_time) s->end_time = time + step;
    return 0;
}

static int decode(mk_sc *s, const AVPacket *p) {
    int ret = avcodec_send_packet(s->dec, p);
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN)) {
        if (ret == AVERROR(ENOMEM)) return fail(s, ret, "cannot decode");
        if (s->decode_errors++ == 0) av_strerror(ret, s->decode_error, sizeof s->decode_error);
    }
    for (;;) {
        ret = avcodec_receive_frame(s->dec, s->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) {
            if (ret == AVERROR(ENOMEM)) return fail(s, ret, "cannot decode");
            if (s->decode_errors++ == 0) av_strerror(ret, s->decode_error, sizeof s->decode_error);
            continue;
        }
        ret = frame_done(s, s->frame);
        av_frame_unref(s->frame);
        if (ret < 0) return ret;
    }
}

static int run(mk_sc *s, const char *input) {
    mk_avlog_clear();
    if (!(s->ic = avformat_alloc_context())) return fail(s, AVERROR(ENOMEM), "cannot open input");
    s->ic->interrupt_callback = (AVIOInterruptCB){interrupted, s};
    int ret = avformat_open_input(&s->ic, input, NULL, NULL);
    if (ret < 0) return fail(s, ret, "cannot open input");
    if ((ret = avformat_find_stream_info(s->ic, NULL)) < 0) return fail(s, ret, "cannot read stream info");
    s->vin = -1;
    for (unsigned i = 0; i < s->ic->nb_streams; i++) /* not cover art */
        if (s->ic->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC) s->ic->streams[i]->discard = AVDISCARD_ALL;
    s->vin = av_find_best_stream(s->ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (s->vin < 0 || (s->ic->streams[s->vin]->disposition & AV_DISPOSITION_ATTACHED_PIC)) return fail(s, MK_SCENES_NO_VIDEO, NULL);
    AVStream *st = s->ic->streams[s->vin];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) return fail(s, MK_SCENES_NO_DECODER, avcodec_get_name(st->codecpar->codec_id));
    if (!(s->dec = avcodec_alloc_context3(codec))) return fail(s, AVERROR(ENOMEM), "cannot open decoder");
    if ((ret = avcodec_parameters_to_context(s->dec, st->codecpar)) < 0) return fail(s, ret, "cannot open decoder");
    s->dec->pkt_timebase = st->time_base;
    s->dec->thread_count = s->o->threads;
    if ((ret = avcodec_open2(s->dec, codec, NULL)) < 0) return fail(s, ret, "cannot open decoder");
    for (unsigned i = 0; i < s->ic->nb_streams; i++)
        if ((int)i != s->vin) s->ic->streams[i]->discard = AVDISCARD_ALL;
    s->pkt = av_packet_alloc();
    s->jpkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    s->yuv = av_frame_alloc();
    s->poster = av_frame_alloc();
    if (!s->pkt || !s->jpkt || !s->frame || !s->yuv || !s->poster) return fail(s, AVERROR(ENOMEM), "cannot allocate frames");
    for (;;) {
        if (mk_cancel_is_raised(s->cancel)) return fail(s, MK_SCENES_CANCELED, "scenes");
        ret = av_read_frame(s->ic, s->pkt);
        if (ret < 0) {
            if (mk_cancel_is_raised(s->cancel)) return fail(s, MK_SCENES_CANCELED, "scenes");
            AVIOContext *pb = s->ic->pb;
            if (pb && pb->error < 0 && pb->error != AVERROR_EOF) return fail(s, pb->error, "cannot read input");
            if (ret == AVERROR(ENOMEM)) return fail(s, ret, "cannot read input");
            if (ret != AVERROR_EOF && !(pb && avio_feof(pb))) {
                char reason[AV_ERROR_MAX_STRING_SIZE], note[160];
                av_strerror(ret, reason, sizeof reason);
                snprintf(note, sizeof note, "the input ended early, after %ld frames: %s", s->out->frames, reason);
                mk_avlog_note(note);
            }
            break;
        }
        ret = s->pkt->stream_index == s->vin ? decode(s, s->pkt) : 0;
        av_packet_unref(s->pkt);
        if (ret < 0) return ret;
    }
    if ((ret = decode(s, NULL)) < 0) return ret;
    if (s->decode_errors) {
        char note[200];
        snprintf(note, sizeof note, "%d packet%s could not be decoded and %s skipped (%s)", s->decode_errors,
                 s->decode_errors == 1 ? "" : "s", s->decode_errors == 1 ? "was" : "were", s->decode_error);
        mk_avlog_note(note);
    }
    if (s->out->frames == 0) return fail(s, MK_SCENES_NO_FRAME, NULL);
    s->out->duration = s->end_time - s->first_time;
    return 0;
}

int mk_scenes_detect(const char *input, const mk_scenes_options *options, mk_scenes *out, const mk_cancel *cancel,
                     char *error, size_t error_size, char *notes, size_t notes_size) {
    mk_sc s;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    s.o = options;
    s.cancel = cancel;
    s.out = out;
    s.err = error;
    s.errlen = error_size;
    s.last_poster = -INFINITY;
    if (error_size) error[0] = '\0';
    mk_avlog_notes_begin();
    int ret = run(&s, input);
    free(s.prev);
    sws_freeContext(s.to_yuv);
    sws_freeContext(s.to_poster);
    avcodec_free_context(&s.jpeg);
    av_frame_free(&s.frame);
    av_frame_free(&s.yuv);
    av_frame_free(&s.poster);
    av_packet_free(&s.pkt);
    av_packet_free(&s.jpkt);
    avcodec_free_context(&s.dec);
    avformat_close_input(&s.ic);
    mk_avlog_notes_end(notes, notes_size);
    return ret;
}

void mk_scenes_free(mk_scenes *scenes) {
    free(scenes->cuts);
    scenes->cuts = NULL;
    free(scenes->poster_times);
    scenes->poster_times = NULL;
}
