/* Comparing Chromaprint fingerprints: decode fpcalc's compressed base64 form into the 32-bit
   values, and score two of them by the bits they share at the best alignment. */
#include "mk_analyze.h"

#include <chromaprint.h>
#include <stdlib.h>
#include <string.h>

int mk_fingerprint_decode(const char *encoded, uint32_t **values) {
    *values = NULL;
    uint32_t *raw = NULL;
    int size = 0, algorithm = 0;
    if (!chromaprint_decode_fingerprint(encoded, (int)strlen(encoded), &raw, &size, &algorithm, 1) || !raw) return -1;
    *values = raw;
    return size;
}

void mk_fingerprint_free(uint32_t *values) { chromaprint_dealloc(values); }

double mk_fingerprint_similarity(const uint32_t *a, int na, const uint32_t *b, int nb, int max_offset, int min_overlap, int *offset) {
    double best = 0;
    *offset = 0;
    for (int shift = -max_offset; shift <= max_offset; shift++) {
        /* a[i] against b[i + shift] */
        int from = shift < 0 ? -shift : 0;
        int to = na < nb - shift ? na : nb - shift;
        int overlap = to - from;
        if (overlap < min_overlap) continue;
        long errors = 0;
        for (int i = from; i < to; i++) errors += __builtin_popcount(a[i] ^ b[i + shift]);
        double score = 1.0 - (double)errors / (32.0 * overlap);
        if (score > best) {
            best = score;
            *offset = shift;
        }
    }
    return best;
}
