/*
 * Several outputs from one input and one decode: the input is demuxed and decoded once, and
 * every decoded frame goes to each output that wants it (its own scaler or resampler, encoder
 * and muxer), as `ffmpeg -i IN OUT1 OUT2` does. Each output is an `mk_tc` of its own that
 * borrows the first one's input and the shared decoders; the first owns them.
 */
#include "transcode_internal.h"
#include "mk_avlog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct many {
    mk_tc *ts;
    int count;
    AVCodecContext *vdec, *adec; /* shared: set on the outputs that encode that kind */
    int vin, ain;                /* the streams they decode */
    AVFrame *ref;                /* each output's own reference to the decoded frame */
    AVPacket *pref;              /* and to a copied packet */
    int *failed;
} many;

static int fail_at(many *m, int i, int ret) {
    if (m->failed) *m->failed = i;
    return ret;
}

/* Sends `p` (NULL: flush) to the shared decoder and each frame to every output still taking that kind. */
static int decode_to_all(many *m, AVCodecContext *dec, const AVPacket *p, int video) {
    mk_tc *first = &m->ts[0];
    int ret = avcodec_send_packet(dec, p);
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN) && (ret = mk_tc_decode_failed(first, ret)) < 0) return fail_at(m, 0, ret);
    for (;;) {
        ret = avcodec_receive_frame(dec, first->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) {
            if ((ret = mk_tc_decode_failed(first, ret)) < 0) return fail_at(m, 0, ret);
            continue;
        }
        for (int i = 0; i < m->count; i++) {
            mk_tc *t = &m->ts[i];
            if (video ? (!t->vdec || t->video_done) : (!t->adec || t->audio_done)) continue;
            if ((ret = av_frame_ref(m->ref, first->frame)) < 0) return fail_at(m, i, mk_tc_fail(t, ret, "cannot decode"));
            ret = video ? mk_tc_process_video(t, m->ref) : mk_tc_process_audio(t, m->ref);
            av_frame_unref(m->ref);
            if (ret < 0) return fail_at(m, i, ret);
        }
        av_frame_unref(first->frame);
    }
}

static int all_done(const many *m) {
    for (int i = 0; i < m->count; i++) {
        const mk_tc *t = &m->ts[i];
        int video = t->vdec != NULL, audio = t->adec != NULL;
        if (!(video || audio) || (video && !t->video_done) || (audio && !t->audio_done)) return 0;
    }
    return 1;
}

static int run_many(many *m, const char *input, const char *const *outputs) {
    mk_tc *first = &m->ts[0];
    mk_avlog_clear();
    int ret = mk_tc_open_input(first, input);
    if (ret < 0) return fail_at(m, 0, ret);
    int video[m->count], audio[m->count];
    for (int i = 0; i < m->count; i++) {
        mk_tc *t = &m->ts[i];
        const mk_transcode_options *o = t->o;
        t->ic = first->ic;
        if (o->thumbnail || o->start != first->o->start || o->duration != first->o->duration)
            return fail_at(m, i, mk_tc_fail(t, AVERROR(EINVAL), "cannot share a decode: outputs with other windows"));
        if ((ret = mk_tc_choose_streams(t, &video[i], &audio[i])) < 0) return fail_at(m, i, ret);
        mk_tc_plan_window(t, i == 0);
    }
    /* One decoder per kind, opened for the first output that encodes it and lent to the others. */
    for (int i = 0; i < m->count; i++) {
        mk_tc *t = &m->ts[i];
        if (t->vin >= 0 && video[i] == MK_STREAM_ENCODE) {
            if (!m->vdec && (ret = mk_tc_open_decoder(t, m->vin = t->vin, &m->vdec)) < 0) return fail_at(m, i, ret);
            if (t->vin != m->vin) return fail_at(m, i, mk_tc_fail(t, AVERROR(EINVAL), "cannot share a decode: another video stream"));
            t->vdec = m->vdec;
        }
        if (t->ain >= 0 && audio[i] == MK_STREAM_ENCODE) {
            if (!m->adec && (ret = mk_tc_open_decoder(t, m->ain = t->ain, &m->adec)) < 0) return fail_at(m, i, ret);
            if (t->ain != m->ain) return fail_at(m, i, mk_tc_fail(t, AVERROR(EINVAL), "cannot share a decode: another audio stream"));
            t->adec = m->adec;
        }
        if ((ret = mk_tc_open_parts(t, outputs[i], video[i], audio[i])) < 0) return fail_at(m, i, ret);
        if (!(t->opkt = av_packet_alloc())) return fail_at(m, i, mk_tc_fail(t, AVERROR(ENOMEM), "cannot allocate packets"));
    }

    first->pkt = av_packet_alloc();
    first->frame = av_frame_alloc();
    m->ref = av_frame_alloc();
    m->pref = av_packet_alloc();
    if (!first->pkt || !first->frame || !m->ref || !m->pref) return fail_at(m, 0, mk_tc_fail(first, AVERROR(ENOMEM), "cannot allocate packets"));
    for (;;) {
        if (mk_cancel_is_raised(first->cancel)) return fail_at(m, 0, mk_tc_fail(first, MK_TRANSCODE_CANCELED, "transcode"));
        if (all_done(m)) break;
        ret = av_read_frame(first->ic, first->pkt);
        if (ret < 0) {
            if ((ret = mk_tc_read_stopped(first, ret)) < 0) return fail_at(m, 0, ret);
            break;
        }
        int index = first->pkt->stream_index;
        if (m->vdec && index == m->vin) ret = decode_to_all(m, m->vdec, first->pkt, 1);
        else if (m->adec && index == m->ain) ret = decode_to_all(m, m->adec, first->pkt, 0);
        else ret = 0;
        for (int i = 0; ret >= 0 && i < m->count; i++) {
            mk_tc *t = &m->ts[i];
            if (!t->copy_out || (unsigned)index >= t->copy_count || !t->copy_out[index]) continue;
            if ((ret = av_packet_ref(m->pref, first->pkt)) < 0) return fail_at(m, i, mk_tc_fail(t, ret, "cannot copy"));
            ret = mk_tc_copy_packet(t, m->pref);
            av_packet_unref(m->pref);
            if (ret < 0) return fail_at(m, i, ret);
        }
        av_packet_unref(first->pkt);
        if (ret < 0) return ret;
        for (int i = 0; i < m->count; i++) if (m->ts[i].done > first->done) first->done = m->ts[i].done;
        mk_tc_report(first);
    }
    if (m->vdec && (ret = decode_to_all(m, m->vdec, NULL, 1)) < 0) return ret;
    if (m->adec && (ret = decode_to_all(m, m->adec, NULL, 0)) < 0) return ret;
    mk_tc_note_decode_errors(first);
    for (int i = 0; i < m->count; i++)
        if ((ret = mk_tc_finish(&m->ts[i])) < 0) return fail_at(m, i, ret);
    return 0;
}

int mk_transcode_many(const char *input, int count, const char *const *outputs, const mk_transcode_options *const *options,
                      mk_progress_fn progress, void *opaque, const mk_cancel *cancel,
                      char *error, size_t error_size, char *notes, size_t notes_size, int *failed_output) {
    if (failed_output) *failed_output = -1;
    if (count < 1) return AVERROR(EINVAL);
    many m = {.count = count, .failed = failed_output, .vin = -1, .ain = -1};
    m.ts = calloc((size_t)count, sizeof *m.ts);
    if (!m.ts) return AVERROR(ENOMEM);
    for (int i = 0; i < count; i++) mk_tc_init(&m.ts[i], options[i], i == 0 ? progress : NULL, opaque, cancel, error, error_size);
    mk_avlog_notes_begin();
    int ret = run_many(&m, input, outputs);
    /* The borrowed parts go back to their owners before each output is released. */
    for (int i = 0; i < count; i++) {
        m.ts[i].vdec = m.ts[i].adec = NULL;
        if (i > 0) m.ts[i].ic = NULL;
    }
    for (int i = count - 1; i >= 0; i--) mk_tc_release(&m.ts[i]);
    avcodec_free_context(&m.vdec);
    avcodec_free_context(&m.adec);
    av_frame_free(&m.ref);
    av_packet_free(&m.pref);
    free(m.ts);
    mk_avlog_notes_end(notes, notes_size);
    return ret;
}
