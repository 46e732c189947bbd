/*
 * The frame path's driver: opens the input, chooses the streams, runs the packet loop and the
 * flush, and owns the context's release. The parts: transcode_video.c (scale), transcode_audio.c
 * (resample + FIFO), transcode_copy.c (stream copy), transcode_output.c (mux). Every buffer
 * is allocated once per transcode; per frame only libav's own reference counting runs.
 */
#include "transcode_internal.h"
#include "mk_avlog.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int mk_tc_fail(mk_tc *t, int code, const char *operation) {
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

int mk_tc_open_decoder(mk_tc *t, int index, AVCodecContext **out) {
    AVStream *st = t->ic->streams[index];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) return mk_tc_fail(t, MK_TRANSCODE_NO_DECODER, avcodec_get_name(st->codecpar->codec_id));
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot open decoder");
    *out = c;
    int ret = avcodec_parameters_to_context(c, st->codecpar);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot open decoder");
    c->pkt_timebase = st->time_base;
    c->thread_count = t->o->threads;
    ret = avcodec_open2(c, codec, NULL);
    return ret < 0 ? mk_tc_fail(t, ret, "cannot open decoder") : 0;
}

double mk_tc_frame_time(const mk_tc *t, const AVFrame *f, AVRational tb) {
    int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    return ts == AV_NOPTS_VALUE ? NAN : ts * av_q2d(tb) - t->origin;
}

/*
 * Like ffmpeg: a packet the decoder rejects (corrupt, or cut short) is skipped and counted, not
 * fatal; only running out of memory is. No frame at all fails the transcode at its end.
 */
int mk_tc_decode_failed(mk_tc *t, int ret) {
    if (ret == AVERROR(ENOMEM)) return mk_tc_fail(t, ret, "cannot decode");
    if (t->decode_errors++ == 0) av_strerror(ret, t->decode_error, sizeof t->decode_error);
    return 0;
}

static int decode_packet(mk_tc *t, AVCodecContext *dec, const AVPacket *p, int video) {
    int ret = avcodec_send_packet(dec, p);
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN) && (ret = mk_tc_decode_failed(t, ret)) < 0) return ret;
    for (;;) {
        ret = avcodec_receive_frame(dec, t->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) {
            if ((ret = mk_tc_decode_failed(t, ret)) < 0) return ret;
            continue;
        }
        ret = video ? mk_tc_process_video(t, t->frame) : mk_tc_process_audio(t, t->frame);
        av_frame_unref(t->frame);
        if (ret < 0) return ret;
    }
}

/*
 * Why av_read_frame stopped. The input's end of data ends the loop (a truncated tail keeps
 * what decoded), and so does a demuxer's complaint about the data (as ffmpeg does: what was
 * read is kept, with a note of where and why the input ended early). Any I/O error (libav
 * records it in pb->error, and many demuxers then report plain EOF) fails the transcode.
 */
int mk_tc_read_stopped(mk_tc *t, int ret) {
    if (mk_cancel_is_raised(t->cancel)) return mk_tc_fail(t, MK_TRANSCODE_CANCELED, "transcode");
    AVIOContext *pb = t->ic->pb;
    if (pb && pb->error < 0 && pb->error != AVERROR_EOF) {
        mk_avlog_clear(); /* what a decoder said about the last, short packet is not the cause */
        return mk_tc_fail(t, pb->error, "cannot read input");
    }
    if (ret == AVERROR_EOF || (pb && avio_feof(pb))) return 0;
    if (ret == AVERROR(ENOMEM) || ret == AVERROR_EXIT) return mk_tc_fail(t, ret, "cannot read input");
    char reason[AV_ERROR_MAX_STRING_SIZE], note[160];
    av_strerror(ret, reason, sizeof reason);
    snprintf(note, sizeof note, "the input ended early, after %.2f s of output: %s", t->done, reason);
    mk_avlog_note(note);
    return 0;
}

int mk_tc_open_input(mk_tc *t, const char *input) {
    t->ic = avformat_alloc_context();
    if (!t->ic) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot open input");
    t->ic->interrupt_callback = mk_tc_interrupt_callback(t);
    int ret = avformat_open_input(&t->ic, input, NULL, NULL);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot open input");
    ret = avformat_find_stream_info(t->ic, NULL);
    return ret < 0 ? mk_tc_fail(t, ret, "cannot read stream info") : 0;
}

/* Trim window, expected length, thumbnail time; seeks near the first wanted frame when `seek`. */
void mk_tc_plan_window(mk_tc *t, int seek) {
    const mk_transcode_options *o = t->o;
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
       the target are dropped either way). A seek that fails leaves the position where it was,
       at the start, which is correct too, only slower. */
    if (seek && seek_to > 0 && !(t->ic->iformat->flags & AVFMT_TS_DISCONT)) {
        int64_t ts = (int64_t)((seek_to + t->origin) * AV_TIME_BASE);
        if (avformat_seek_file(t->ic, -1, INT64_MIN, ts, ts, 0) < 0) (void)av_seek_frame(t->ic, -1, 0, AVSEEK_FLAG_BACKWARD);
    }
}

int mk_tc_choose_streams(mk_tc *t, int *video, int *audio) {
    const mk_transcode_options *o = t->o;
    *video = o->thumbnail ? MK_STREAM_ENCODE : o->video;
    *audio = o->thumbnail ? MK_STREAM_DROP : o->audio;
    t->vin = *video ? mk_tc_pick_video_stream(t->ic) : -1;
    t->ain = *audio ? av_find_best_stream(t->ic, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) : -1;
    if (t->ain < 0) t->ain = -1;
    if (*video && t->vin < 0 && (o->video_required || o->thumbnail)) return mk_tc_fail(t, MK_TRANSCODE_NO_VIDEO, "cannot transcode");
    if (*audio && t->ain < 0 && o->audio_required) return mk_tc_fail(t, MK_TRANSCODE_NO_AUDIO, "cannot transcode");
    if (t->vin < 0 && t->ain < 0) return mk_tc_fail(t, MK_TRANSCODE_NOTHING_TO_DO, "cannot transcode");
    return 0;
}

int mk_tc_open_parts(mk_tc *t, const char *output, int video, int audio) {
    int ret;
    if ((ret = mk_tc_open_output(t, output)) < 0) return ret;
    if (t->vin >= 0 && video == MK_STREAM_ENCODE && (ret = mk_tc_open_video(t)) < 0) return ret;
    if (t->ain >= 0 && audio == MK_STREAM_ENCODE && (ret = mk_tc_open_audio(t)) < 0) return ret;
    if ((video == MK_STREAM_COPY || audio == MK_STREAM_COPY) && (ret = mk_tc_open_copy(t)) < 0) return ret;
    if (!t->o->thumbnail && video == MK_STREAM_DROP && audio == MK_STREAM_ENCODE && (ret = mk_tc_open_covers(t)) < 0) return ret;
    return mk_tc_write_header(t, output);
}

void mk_tc_note_decode_errors(const mk_tc *t) {
    if (!t->decode_errors) return;
    char note[200];
    snprintf(note, sizeof note, "%d packet%s could not be decoded and %s skipped (%s)", t->decode_errors,
             t->decode_errors == 1 ? "" : "s", t->decode_errors == 1 ? "was" : "were", t->decode_error);
    mk_avlog_note(note);
}

int mk_tc_finish(mk_tc *t) {
    int ret;
    if (t->vdec && t->video_frames == 0) return mk_tc_fail(t, MK_TRANSCODE_NO_FRAME, "cannot decode video");
    if (t->adec && t->audio_frames == 0) return mk_tc_fail(t, MK_TRANSCODE_NO_FRAME, "cannot decode audio");
    if (t->aenc && (ret = mk_tc_finish_audio(t)) < 0) return ret;
    if (t->venc && (ret = mk_tc_finish_video(t)) < 0) return ret;
    return mk_tc_finish_output(t);
}

static int run(mk_tc *t, const char *input, const char *output) {
    mk_avlog_clear();
    int ret = mk_tc_open_input(t, input);
    if (ret < 0) return ret;
    int video, audio;
    if ((ret = mk_tc_choose_streams(t, &video, &audio)) < 0) return ret;
    mk_tc_plan_window(t, 1);
    if ((ret = mk_tc_open_parts(t, output, video, audio)) < 0) return ret;

    t->pkt = av_packet_alloc();
    t->opkt = av_packet_alloc();
    t->frame = av_frame_alloc();
    if (!t->pkt || !t->opkt || !t->frame) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot allocate packets");

    int video_active = t->vdec != NULL, audio_active = t->adec != NULL;
    for (;;) {
        if (mk_cancel_is_raised(t->cancel)) return mk_tc_fail(t, MK_TRANSCODE_CANCELED, "transcode");
        if ((!video_active || t->video_done) && (!audio_active || t->audio_done) && (video_active || audio_active)) break;
        ret = av_read_frame(t->ic, t->pkt);
        if (ret < 0) {
            if ((ret = mk_tc_read_stopped(t, ret)) < 0) return ret;
            break;
        }
        int index = t->pkt->stream_index;
        if (index == t->vin && t->vdec && !t->video_done) ret = decode_packet(t, t->vdec, t->pkt, 1);
        else if (index == t->ain && t->adec && !t->audio_done) ret = decode_packet(t, t->adec, t->pkt, 0);
        else if (t->copy_out && (unsigned)index < t->copy_count && t->copy_out[index]) ret = mk_tc_copy_packet(t, t->pkt);
        else ret = 0;
        av_packet_unref(t->pkt);
        if (ret < 0) return ret;
        mk_tc_report(t);
    }

    /* Flush: decoders, then the resampler and FIFO, then the encoders. */
    if (t->vdec && (ret = decode_packet(t, t->vdec, NULL, 1)) < 0) return ret;
    if (t->adec && (ret = decode_packet(t, t->adec, NULL, 0)) < 0) return ret;
    mk_tc_note_decode_errors(t);
    return mk_tc_finish(t);
}

void mk_tc_release(mk_tc *t) {
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
    av_frame_free(&t->vscaled);
    av_frame_free(&t->last_video);
    av_frame_free(&t->aframe);
    av_packet_free(&t->pkt);
    av_packet_free(&t->opkt);
    av_freep(&t->copy_out);
    if (t->oc) {
        if (!(t->oc->oformat->flags & AVFMT_NOFILE)) avio_closep(&t->oc->pb); /* after a failure: the caller deletes it */
        avformat_free_context(t->oc);
    }
    avformat_close_input(&t->ic);
}

void mk_tc_init(mk_tc *t, const mk_transcode_options *options, mk_progress_fn progress, void *opaque, const mk_cancel *cancel,
                char *error, size_t error_size) {
    memset(t, 0, sizeof *t);
    t->o = options;
    t->cancel = cancel;
    t->progress = progress;
    t->opaque = opaque;
    t->err = error;
    t->errlen = error_size;
    t->vin = t->ain = -1;
    if (error_size) error[0] = '\0';
}

int mk_transcode(const char *input, const char *output, const mk_transcode_options *options,
                 mk_progress_fn progress, void *opaque, const mk_cancel *cancel,
                 char *error, size_t error_size, char *notes, size_t notes_size) {
    mk_tc t;
    mk_tc_init(&t, options, progress, opaque, cancel, error, error_size);
    mk_avlog_notes_begin();
    int ret = run(&t, input, output);
    mk_tc_release(&t);
    mk_avlog_notes_end(notes, notes_size);
    return ret;
}
