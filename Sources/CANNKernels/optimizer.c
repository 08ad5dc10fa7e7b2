// The optimiser sees one flat block of parameters and knows nothing of layers.
#include "CANNKernels.h"
#include "vector.h"

ANN_MULTIVERSION
void ann_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                           float lr, float momentum, float l1, float l2,
                           int threads) {
    // Small blocks (biases) are not worth waking a team for.
    int team = n >= 65536 ? threads : 1;
    #pragma omp parallel for simd num_threads(team) if (team > 1) schedule(static)
    for (size_t i = 0; i < n; i++) {
        float sign = (float)(w[i] > 0.0f) - (float)(w[i] < 0.0f);
        float g = grad[i] + l2 * w[i] + l1 * sign;
        v[i] = momentum * v[i] + g;
        w[i] -= lr * v[i];
    }
}
