// Summing shard gradients, and widening input bytes.
#include "CANNKernels.h"
#include "team.h"
#include "vector.h"

ANN_MULTIVERSION
void ann_sum_into(float *dst, const float *const *sources, int source_count, size_t n) {
    // Blocks small enough that dst stays in L1 while each source is added.
    const size_t block = 2048;
    for (size_t start = 0; start < n; start += block) {
        size_t end = start + block < n ? start + block : n;
        for (int s = 0; s < source_count; s++) {
            const float *src = sources[s];
            for (size_t i = start; i < end; i++) dst[i] += src[i];
        }
    }
}

ANN_MULTIVERSION
void ann_bytes_to_floats(float *Y, const uint8_t *X, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) Y[i] = (float)X[i] * scale;
}

static void gather_range(float *Y, const uint8_t *X, const int32_t *indices, size_t first,
                         int begin, int end, size_t features, float scale) {
    for (int r = begin; r < end; r++) {
        size_t sample = indices ? (size_t)indices[r] : first + (size_t)r;
        ann_bytes_to_floats(Y + (size_t)r * features, X + sample * features, features, scale);
    }
}

void ann_gather_bytes(float *Y, const uint8_t *X, const int32_t *indices, size_t first,
                      int rows, size_t features, float scale, int threads) {
    // Worth a team only for a full minibatch of images; and even a one-thread
    // OpenMP region allocates in libomp, so small work skips OpenMP entirely.
    int team = (size_t)rows * features >= 16384 && threads > 1 ? threads : 1;
    if (team == 1) {
        gather_range(Y, X, indices, first, 0, rows, features, scale);
        return;
    }
    #pragma omp parallel num_threads(team)
    {
        size_t begin, end;
        ann_team_share((size_t)rows, &begin, &end);
        gather_range(Y, X, indices, first, (int)begin, (int)end, features, scale);
    }
}
