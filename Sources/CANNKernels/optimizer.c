// The optimiser sees one flat block of parameters and knows nothing of layers.
#include "CANNKernels.h"
#include "fp_mode.h"
#include "team.h"
#include "vector.h"

// One contiguous range. Kept out of the OpenMP region because OpenMP outlines
// a parallel loop's body into a function without the clone's vector target.
ANN_MULTIVERSION
static void sgd_range(float *w, float *v, const float *grad, size_t n,
                      float lr, float momentum, float l1, float l2) {
    for (size_t i = 0; i < n; i++) {
        float sign = (float)(w[i] > 0.0f) - (float)(w[i] < 0.0f);
        float g = grad[i] + l2 * w[i] + l1 * sign;
        v[i] = momentum * v[i] + g;
        w[i] -= lr * v[i];
    }
}

// Small blocks (biases) are not worth waking a team for.
static int optimiser_team(size_t n, int threads) { return n >= 16384 && threads > 1 ? threads : 1; }

void ann_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                           float lr, float momentum, float l1, float l2,
                           int threads) {
    int team = optimiser_team(n, threads);
    if (team == 1) {
        sgd_range(w, v, grad, n, lr, momentum, l1, l2);
        return;
    }
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(team)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        size_t begin, end;
        ann_team_share(n, &begin, &end);
        sgd_range(w + begin, v + begin, grad + begin, end - begin, lr, momentum, l1, l2);
        ann_team_restore_fp_mode(ownMode, mode);
    }
}
