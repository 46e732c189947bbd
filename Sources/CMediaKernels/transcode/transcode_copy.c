/* Stream copy: packets of the chosen streams (and cover art) go to the output unchanged. */
#include "transcode_internal.h"

#include <stdio.h>
#include <string.h>

/* A copy of input stream `i` in the output (its packets go through mk_tc_copy_packet). */
static int add_copy(mk_tc *t, unsigned i) {
    if (!t->copy_out) {
        t->copy_out = av_calloc(t->ic->nb_streams, sizeof *t->copy_out);
        if (!t->copy_out) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot copy streams");
        t->copy_count = t->ic->nb_streams;
    }
    AVStream *in = t->ic->streams[i];
    AVStream *out = avformat_new_stream(t->oc, NULL);
    if (!out) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot copy streams");
    int ret = avcodec_parameters_copy(out->codecpar, in->codecpar);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot copy streams");
    out->codecpar->codec_tag = 0;
    out->time_base = in->time_base;
    out->avg_frame_rate = in->avg_frame_rate;
    out->disposition = in->disposition;
    if ((ret = av_dict_copy(&out->metadata, in->metadata, 0)) < 0) return mk_tc_fail(t, ret, "cannot copy streams");
    /* A stream copy keeps the display matrix (the pixels are not turned): players rotate. */
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(in, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (matrix) {
        uint8_t *copy = av_stream_new_side_data(out, AV_PKT_DATA_DISPLAYMATRIX, size);
        if (!copy) return mk_tc_fail(t, AVERROR(ENOMEM), "cannot copy streams");
        memcpy(copy, matrix, size);
    }
    t->copy_out[i] = out;
    return 0;
}

/* Cover art beside encoded audio, as `ffmpeg -map 0 -c:v copy -disposition attached_pic`:
 * the pictures go unchanged into containers that hold them (M4A/MP4/MOV, MP3's APIC, FLAC's
 * PICTURE). libav 5.1's Ogg muxer has no place for one (Opus and Vorbis keep no cover). */
int mk_tc_open_covers(mk_tc *t) {
    static const char *const holders[] = {"ipod", "mp4", "mov", "mp3", "flac", NULL};
    int fits = 0;
    for (const char *const *name = holders; *name; name++) fits |= strcmp(t->oc->oformat->name, *name) == 0;
    if (!fits) return 0;
    for (unsigned i = 0; i < t->ic->nb_streams; i++) {
        AVStream *in = t->ic->streams[i];
        if (!(in->disposition & AV_DISPOSITION_ATTACHED_PIC)) continue;
        enum AVCodecID id = in->codecpar->codec_id;
        if (id != AV_CODEC_ID_MJPEG && id != AV_CODEC_ID_PNG) continue;
        int ret = add_copy(t, i);
        if (ret < 0) return ret;
    }
    return 0;
}

int mk_tc_open_copy(mk_tc *t) {
    if (t->o->start > 0 || t->o->duration > 0) {
        snprintf(t->err, t->errlen, "cannot trim a stream copy: use an encoding profile (trim) instead");
        return AVERROR(EINVAL);
    }
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
        int ret = add_copy(t, i);
        if (ret < 0) return ret;
    }
    return 0;
}

int mk_tc_copy_packet(mk_tc *t, AVPacket *p) {
    AVStream *in = t->ic->streams[p->stream_index];
    p->pos = -1;
    return mk_tc_write_packet(t, p, in->time_base, t->copy_out[p->stream_index]);
}
