// The optimiser sees one flat block of parameters and knows nothing of layers.
#include "CANNKernels.h"
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

void ann_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                           float lr, float momentum, float l1, float l2,
                           int threads) {
    // Small blocks (biases) are not worth waking a team for.
    int team = n >= 16384 && threads > 1 ? threads : 1;
    if (team == 1) {
        sgd_range(w, v, grad, n, lr, momentum, l1, l2);
        return;
    }
    #pragma omp parallel for num_threads(team) schedule(static)
    for (int t = 0; t < team; t++) {
        size_t begin = n * (size_t)t / (size_t)team, end = n * (size_t)(t + 1) / (size_t)team;
        sgd_range(w + begin, v + begin, grad + begin, end - begin, lr, momentum, l1, l2);
    }
}
