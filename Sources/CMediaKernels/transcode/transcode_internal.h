/*
 * The transcode's single context and the functions its parts share. One owner: the driver
 * (transcode.c) allocates nothing itself but frees everything here in `mk_tc_release`; the
 * video, audio, copy and output parts fill their own fields.
 */
#ifndef MK_TRANSCODE_INTERNAL_H
#define MK_TRANSCODE_INTERNAL_H

#include "mk_transcode.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

typedef struct mk_tc {
    const mk_transcode_options *o;
    const mk_cancel *cancel;
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
    int decode_errors;     /* packets the decoders rejected (skipped), and the first one's reason */
    char decode_error[AV_ERROR_MAX_STRING_SIZE];

    /* video (transcode_video.c) */
    int vin;
    AVStream *vout;
    AVCodecContext *vdec, *venc;
    struct SwsContext *sws;
    AVFrame *vframe, *last_video;
    /* Autorotation (a phone's display matrix): clockwise quarter turns applied to the pixels
     * (0-3), and the scaled frame before the turn when there is one. */
    int quarter_turns;
    AVFrame *vscaled;
    double min_interval, last_kept;
    int64_t last_pts, last_slot;
    int video_done, video_frames, thumbnail_written;
    double thumbnail_at;

    /* audio (transcode_audio.c) */
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

    /* stream copy (transcode_copy.c): input index -> output stream, or NULL (streams added
       later are not copied) */
    AVStream **copy_out;
    unsigned copy_count;
} mk_tc;

/* driver (transcode.c) */
void mk_tc_init(mk_tc *t, const mk_transcode_options *options, mk_progress_fn progress, void *opaque, const mk_cancel *cancel,
                char *error, size_t error_size);
int mk_tc_open_input(mk_tc *t, const char *input);
/* The streams the options want (vin/ain) and what to do with video and audio. */
int mk_tc_choose_streams(mk_tc *t, int *video, int *audio);
void mk_tc_plan_window(mk_tc *t, int seek);
/* Output, encoders (a decoder already in vdec/adec is used as it is), copies, header. */
int mk_tc_open_parts(mk_tc *t, const char *output, int video, int audio);
/* A rejected packet: counted and skipped (only ENOMEM fails). */
int mk_tc_decode_failed(mk_tc *t, int ret);
/* Why av_read_frame stopped: 0 for the input's end (or a tolerated early end), else the failure. */
int mk_tc_read_stopped(mk_tc *t, int ret);
void mk_tc_note_decode_errors(const mk_tc *t);
/* After the decoders' flush: frames check, encoders' flush, trailer. */
int mk_tc_finish(mk_tc *t);
void mk_tc_release(mk_tc *t);
/* the error message ("<operation>: <reason> (<libav's last message>)"); returns `code` */
int mk_tc_fail(mk_tc *t, int code, const char *operation);
int mk_tc_open_decoder(mk_tc *t, int index, AVCodecContext **out);
/* Seconds from the input's origin, or NAN without a timestamp. */
double mk_tc_frame_time(const mk_tc *t, const AVFrame *f, AVRational tb);

/* output */
/* Polls the cancel flag; for the input and the output I/O. */
AVIOInterruptCB mk_tc_interrupt_callback(mk_tc *t);
int mk_tc_open_output(mk_tc *t, const char *output);
int mk_tc_write_header(mk_tc *t, const char *output);
/* Writes a packet whose timestamps are in `from` to output stream `st`. */
int mk_tc_write_packet(mk_tc *t, AVPacket *p, AVRational from, AVStream *st);
/* Sends `frame` (NULL to flush) to `enc` and writes every packet it has ready. */
int mk_tc_encode(mk_tc *t, AVCodecContext *enc, AVStream *st, AVFrame *frame);
/* Trailer, flush and close: every byte is on disk, or the error says why not. */
int mk_tc_finish_output(mk_tc *t);
void mk_tc_report(mk_tc *t);

/* video */
int mk_tc_pick_video_stream(AVFormatContext *ic);
int mk_tc_open_video(mk_tc *t);
int mk_tc_process_video(mk_tc *t, AVFrame *f);
/* After the last packet: the thumbnail's fallback frame, then the encoder's flush. */
int mk_tc_finish_video(mk_tc *t);

/* audio */
int mk_tc_open_audio(mk_tc *t);
/* Resamples `f` (NULL drains the resampler) and encodes the samples inside the trim window. */
int mk_tc_process_audio(mk_tc *t, AVFrame *f);
/* After the last packet: resampler, FIFO (with the last partial frame), encoder. */
int mk_tc_finish_audio(mk_tc *t);

/* stream copy */
int mk_tc_open_copy(mk_tc *t);
/* Cover art pictures copied beside encoded audio, where the container holds them. */
int mk_tc_open_covers(mk_tc *t);
int mk_tc_copy_packet(mk_tc *t, AVPacket *p);

#endif
