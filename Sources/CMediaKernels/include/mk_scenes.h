#ifndef MK_SCENES_H
#define MK_SCENES_H

#include <stddef.h>

#include "mk_cancel.h"

/* Scene cuts of a video in one decode: each frame's scene score is ffmpeg scdet's — the mean
   absolute difference of its 8-bit luma to the previous frame's (mafd, 0–100), and the score
   min(mafd, |mafd - previous mafd|) — and a frame whose score reaches the threshold starts a
   scene. Posters: a JPEG of the first frame of each scene (and, with poster_every, of a frame
   every that many seconds within it), poster_width wide, written into poster_dir as
   poster-0001.jpg, poster-0002.jpg, … */
typedef struct mk_scenes_options {
    double threshold;     /* score from which a frame starts a scene (scdet's default: 10) */
    int poster_width;     /* 0: no posters */
    double poster_every;  /* 0: one poster per scene */
    const char *poster_dir;
    int threads;          /* decoder threads; 0: libav's choice */
} mk_scenes_options;

typedef struct mk_scene_cut {
    double time;  /* seconds: the first frame of the new scene */
    double score;
} mk_scene_cut;

typedef struct mk_scenes {
    mk_scene_cut *cuts;
    int cut_count, cut_capacity;
    double *poster_times; /* poster i (file poster-%04d.jpg, i + 1) shows the frame at this time */
    int poster_count, poster_capacity;
    double duration;      /* seconds from the first frame to the end of the last */
    long frames;
    int width, height;
} mk_scenes;

enum {
    MK_SCENES_CANCELED = -1000201,
    MK_SCENES_NO_VIDEO = -1000202,
    MK_SCENES_NO_DECODER = -1000203,
    MK_SCENES_NO_FRAME = -1000204,
};

/* Returns 0 and fills `out` (free it with mk_scenes_free, also after a failure), or a negative
   code with a one-line message in `error`; damaged input is tolerated as in mk_analyze, noted
   in `notes`. */
int mk_scenes_detect(const char *input, const mk_scenes_options *options, mk_scenes *out, const mk_cancel *cancel,
                     char *error, size_t error_size, char *notes, size_t notes_size);
void mk_scenes_free(mk_scenes *scenes);

#endif
