/* The output side: format choice, tags, header, packet writes, encoder drain, trailer. */
#include "transcode_internal.h"

#include <libavutil/avstring.h>
#include <string.h>

static int interrupted(void *opaque) {
    mk_tc *t = opaque;
    return mk_cancel_is_raised(t->cancel);
}

/* `from` without its loudness tags (REPLAYGAIN_*, R128_*), into *kept. */
static int without_loudness(const AVDictionary *from, AVDictionary **kept) {
    const AVDictionaryEntry *entry = NULL;
    int ret = 0;
    while ((entry = av_dict_get(from, "", entry, AV_DICT_IGNORE_SUFFIX)))
        if (av_strncasecmp(entry->key, "REPLAYGAIN_", 11) && av_strncasecmp(entry->key, "R128_", 5) &&
            (ret = av_dict_set(kept, entry->key, entry->value, 0)) < 0)
            break;
    return ret;
}

/* Drops the loudness tags a stream brought from the input (a stream copy copies them). */
static int drop_stream_loudness(mk_tc *t) {
    for (unsigned i = 0; i < t->oc->nb_streams; i++) {
        AVDictionary *kept = NULL;
        int ret = without_loudness(t->oc->streams[i]->metadata, &kept);
        if (ret < 0) {
            av_dict_free(&kept);
            return mk_tc_fail(t, ret, "cannot set tags");
        }
        av_dict_free(&t->oc->streams[i]->metadata);
        t->oc->streams[i]->metadata = kept;
    }
    return 0;
}

/* The given tags replace the input's loudness tags (REPLAYGAIN_*, R128_*). */
static int set_tags(mk_tc *t, const char *tags) {
    AVDictionary *kept = NULL;
    int ret = without_loudness(t->oc->metadata, &kept);
    for (const char *line = tags; ret >= 0 && *line;) {
        const char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        const char *equals = memchr(line, '=', length);
        if (equals && equals > line) {
            char *key = av_strndup(line, (size_t)(equals - line));
            char *value = av_strndup(equals + 1, length - (size_t)(equals - line) - 1);
            if (key && value) { /* av_dict_set owns them from here, also when it fails */
                ret = av_dict_set(&kept, key, value, AV_DICT_DONT_STRDUP_KEY | AV_DICT_DONT_STRDUP_VAL);
            } else {
                av_free(key);
                av_free(value);
                ret = AVERROR(ENOMEM);
            }
        }
        line += length + (end ? 1 : 0);
    }
    if (ret < 0) {
        av_dict_free(&kept);
        return mk_tc_fail(t, ret, "cannot set tags");
    }
    av_dict_free(&t->oc->metadata);
    t->oc->metadata = kept;
    return 0;
}

int mk_tc_open_output(mk_tc *t, const char *output) {
    int ret = avformat_alloc_output_context2(&t->oc, NULL, t->o->container, output);
    if (ret < 0 || !t->oc) return mk_tc_fail(t, ret < 0 ? ret : AVERROR(EINVAL), "cannot choose an output format");
    t->oc->interrupt_callback = (AVIOInterruptCB){interrupted, t};
    if ((ret = av_dict_copy(&t->oc->metadata, t->ic->metadata, 0)) < 0) return mk_tc_fail(t, ret, "cannot copy tags");
    /* Ogg and some others keep the tags on the audio stream (Vorbis comments): lift them. */
    if (t->ain >= 0 && (ret = av_dict_copy(&t->oc->metadata, t->ic->streams[t->ain]->metadata, AV_DICT_DONT_OVERWRITE)) < 0)
        return mk_tc_fail(t, ret, "cannot copy tags");
    static const char *const stale[] = {"encoder", "major_brand", "minor_version", "compatible_brands", "handler_name",
                                        "vendor_id", "language", "DURATION"};
    for (size_t i = 0; i < sizeof stale / sizeof *stale; i++) av_dict_set(&t->oc->metadata, stale[i], NULL, 0); /* removal cannot fail */
    return t->o->tags ? set_tags(t, t->o->tags) : 0;
}

/* The interrupt callback also serves the input, which the driver opens. */
AVIOInterruptCB mk_tc_interrupt_callback(mk_tc *t) { return (AVIOInterruptCB){interrupted, t}; }

int mk_tc_write_header(mk_tc *t, const char *output) {
    int ret;
    if (!(t->oc->oformat->flags & AVFMT_NOFILE)) {
        ret = avio_open2(&t->oc->pb, output, AVIO_FLAG_WRITE, &t->oc->interrupt_callback, NULL);
        if (ret < 0) return mk_tc_fail(t, ret, "cannot create output");
    }
    if (t->o->tags && (ret = drop_stream_loudness(t)) < 0) return ret;
    /* Ogg keeps tags per stream (Vorbis comments): give each audio stream (encoded or copied)
       the file's tags. */
    for (unsigned i = 0; !strcmp(t->oc->oformat->name, "ogg") && i < t->oc->nb_streams; i++) {
        AVStream *st = t->oc->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && (ret = av_dict_copy(&st->metadata, t->oc->metadata, AV_DICT_DONT_OVERWRITE)) < 0)
            return mk_tc_fail(t, ret, "cannot copy tags");
    }
    AVDictionary *options = NULL;
    if (t->o->faststart && (ret = av_dict_set(&options, "movflags", "+faststart", 0)) < 0)
        return mk_tc_fail(t, ret, "cannot write output header");
    ret = avformat_write_header(t->oc, &options);
    av_dict_free(&options);
    return ret < 0 ? mk_tc_fail(t, ret, "cannot write output header") : 0;
}

int mk_tc_write_packet(mk_tc *t, AVPacket *p, AVRational from, AVStream *st) {
    av_packet_rescale_ts(p, from, st->time_base);
    p->stream_index = st->index;
    double at = p->pts == AV_NOPTS_VALUE ? 0 : p->pts * av_q2d(st->time_base);
    if (at > t->done) t->done = at;
    int ret = av_interleaved_write_frame(t->oc, p);
    return ret < 0 ? mk_tc_fail(t, ret, "cannot write output") : 0;
}

int mk_tc_encode(mk_tc *t, AVCodecContext *enc, AVStream *st, AVFrame *frame) {
    int ret = avcodec_send_frame(enc, frame);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot encode");
    for (;;) {
        ret = avcodec_receive_packet(enc, t->opkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) return mk_tc_fail(t, ret, "cannot encode");
        ret = mk_tc_write_packet(t, t->opkt, enc->time_base, st);
        av_packet_unref(t->opkt);
        if (ret < 0) return ret;
    }
}

int mk_tc_finish_output(mk_tc *t) {
    int ret = av_write_trailer(t->oc);
    if (ret < 0) return mk_tc_fail(t, ret, "cannot finish output");
    if (!(t->oc->oformat->flags & AVFMT_NOFILE)) {
        /* The last buffered bytes are written here: a full disk shows up now or never. */
        if ((ret = avio_closep(&t->oc->pb)) < 0) return mk_tc_fail(t, ret, "cannot finish output");
    }
    if (t->progress) t->progress(t->opaque, t->done, t->total);
    return 0;
}

void mk_tc_report(mk_tc *t) {
    if (t->progress && t->done - t->reported >= 0.25) {
        t->reported = t->done;
        t->progress(t->opaque, t->done, t->total);
    }
}
