#ifndef MK_TRANSCODE_H
#define MK_TRANSCODE_H

#include <stddef.h>
#include <stdint.h>

#include "mk_cancel.h"

/* What to do with one kind of stream. */
typedef enum mk_stream_mode {
    MK_STREAM_DROP = 0,
    MK_STREAM_ENCODE = 1,
    MK_STREAM_COPY = 2,
} mk_stream_mode;

/*
 * One transcode: demux -> decode -> scale / resample (+ audio FIFO) -> encode -> mux, or
 * stream copy. All strings are borrowed for the duration of the call.
 */
typedef struct mk_transcode_options {
    /* Muxer name (av_guess_format short name, e.g. "mp4", "ipod", "ogg", "mp3", "flac",
       "matroska", "mjpeg"); NULL: guessed from output_path. */
    const char *container;
    int faststart;             /* MP4: move the index to the front */

    mk_stream_mode video;
    int video_required;        /* fail when the input has no (non cover-art) video */
    const char *video_codec;   /* encoder name, e.g. "libx264", "mjpeg" */
    int crf;                   /* < 0: encoder default */
    const char *preset;        /* NULL: encoder default */
    int64_t video_bitrate;     /* 0: encoder default / CRF */
    int max_width, max_height; /* 0: unlimited; never upscaled, aspect kept, even sizes */
    double max_fps;            /* 0: keep the input rate */
    int quality;               /* > 0: fixed quantizer (mjpeg qscale) */

    mk_stream_mode audio;
    int audio_required;        /* fail when the input has no audio */
    const char *audio_codec;   /* e.g. "aac", "libopus", "libmp3lame", "flac" */
    int64_t audio_bitrate;     /* 0: encoder default */
    int sample_rate;           /* 0: keep (nearest the encoder supports) */
    int channels;              /* 0: keep (at most what the encoder supports) */

    double start;              /* seconds to skip; 0: from the start */
    double duration;           /* seconds to keep; <= 0: to the end */

    int thumbnail;             /* one video frame, encoded as a single image */
    double thumbnail_time;     /* seconds; < 0: 10% into the input */

    int threads;               /* codec threads; 0: libav's choice */

    /* Tags set on the output, "KEY=VALUE" lines; the input's REPLAYGAIN_* and R128_* tags are
       dropped when given (the output's loudness is described by these). NULL: none. */
    const char *tags;
} mk_transcode_options;

void mk_transcode_options_init(mk_transcode_options *options);

/* Called every ~0.25 s of output media time with seconds done and the expected total (0 if unknown). */
typedef void (*mk_progress_fn)(void *opaque, double done, double total);

/* Return codes beyond libav's negative AVERROR values. */
enum {
    MK_TRANSCODE_CANCELED = -1000001,
    MK_TRANSCODE_NO_VIDEO = -1000002,
    MK_TRANSCODE_NO_AUDIO = -1000003,
    MK_TRANSCODE_NO_ENCODER = -1000004,
    MK_TRANSCODE_NO_DECODER = -1000005,
    MK_TRANSCODE_NOTHING_TO_DO = -1000006,
    MK_TRANSCODE_NO_FRAME = -1000007,
};

/*
 * Transcodes `input` into `output`. Returns 0, or a negative code with a one-line message in
 * `error` ("<operation>: <reason>"). Like ffmpeg, it is tolerant of damaged input: packets a
 * decoder rejects are skipped, and a demuxer's complaint ends the input where it is; `notes`
 * gets what was tolerated (libav's warnings from the input side, a count of skipped packets),
 * one per line, on success and failure alike. A truncated tail keeps what decoded; an I/O
 * error (EIO from a failing disk or network file system) fails it, as does no frame at all. `cancel` (may be NULL) is polled between packets and from libav's I/O
 * interrupt callback; raise it from any thread to stop within a packet. On failure the output
 * may be partial: the caller deletes it.
 */
int mk_transcode(const char *input, const char *output, const mk_transcode_options *options,
                 mk_progress_fn progress, void *opaque, const mk_cancel *cancel,
                 char *error, size_t error_size, char *notes, size_t notes_size);

/*
 * Several outputs of one input from one decode: `count` outputs with their options, each as
 * mk_transcode makes it alone, but the input is demuxed and decoded once and every frame is
 * scaled or resampled and encoded per output. The outputs must share the window (start,
 * duration) and none may be a thumbnail. On failure `failed_output` is the index of the output
 * the error belongs to (0 for the input's own errors); every output may then be partial.
 * `progress` reports the furthest output.
 */
int mk_transcode_many(const char *input, int count, const char *const *outputs, const mk_transcode_options *const *options,
                      mk_progress_fn progress, void *opaque, const mk_cancel *cancel,
                      char *error, size_t error_size, char *notes, size_t notes_size, int *failed_output);
#endif
