#ifndef CMEDIAKERNELS_H
#define CMEDIAKERNELS_H

#include "mk_sha256.h"
#include "mk_crc32.h"
#include "mk_avlog.h"
#include "mk_sink.h"
#include "mk_cancel.h"
#include "mk_transcode.h"
#include "mk_analyze.h"
#include "mk_scenes.h"
#include "mk_http.h"
#include "mk_spawn.h"
#include "mk_fs.h"

#endif
