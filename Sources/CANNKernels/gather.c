// Data movement: a minibatch's samples, picked from the data set by index and
// widened from bytes to the network's float inputs.
#include "CANNKernels.h"
#include "fp_mode.h"
#include "team.h"
#include "vector.h"

ANN_MULTIVERSION
static void bytes_to_floats(float *Y, const uint8_t *X, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) Y[i] = (float)X[i] * scale;
}

// Rows ahead of the one being widened whose bytes are already requested. A
// minibatch's rows sit at random places in a data set larger than the caches,
// so each would otherwise wait out a memory round trip of its own.
enum { GATHER_PREFETCH_ROWS = 3 };

static void prefetch_row(const uint8_t *row, size_t features) {
    for (size_t offset = 0; offset < features; offset += 64) __builtin_prefetch(row + offset, 0, 3);
    __builtin_prefetch(row + features - 1, 0, 3);
}

static const uint8_t *sample_row(const uint8_t *X, const int32_t *indices, size_t first, int r, size_t features) {
    return X + (indices ? (size_t)indices[r] : first + (size_t)r) * features;
}

static void gather_range(float *Y, const uint8_t *X, const int32_t *indices, size_t first,
                         int begin, int end, size_t features, float scale) {
    if (features == 0) return;
    for (int r = begin; r < end && r < begin + GATHER_PREFETCH_ROWS; r++)
        prefetch_row(sample_row(X, indices, first, r, features), features);
    for (int r = begin; r < end; r++) {
        if (r + GATHER_PREFETCH_ROWS < end)
            prefetch_row(sample_row(X, indices, first, r + GATHER_PREFETCH_ROWS, features), features);
        bytes_to_floats(Y + (size_t)r * features, sample_row(X, indices, first, r, features), features, scale);
    }
}

void ann_gather_bytes(float *Y, const uint8_t *X, const int32_t *indices, size_t first, int rows, size_t features,
                      float scale, int threads) {
    // Worth a team only for a full minibatch of images; and even a one-thread
    // OpenMP region allocates in libomp, so small work skips OpenMP entirely.
    if ((size_t)rows * features < 16384 || threads <= 1) {
        gather_range(Y, X, indices, first, 0, rows, features, scale);
        return;
    }
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        size_t begin, end;
        ann_team_share((size_t)rows, &begin, &end);
        gather_range(Y, X, indices, first, (int)begin, (int)end, features, scale);
        ann_team_restore_fp_mode(ownMode, mode);
    }
}
