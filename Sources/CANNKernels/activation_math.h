// Internal: one activation value and its derivative, shared by the
// standalone activation kernels and the fused dense-layer epilogues.
#ifndef ANN_ACTIVATION_MATH_H
#define ANN_ACTIVATION_MATH_H

#include "CANNKernels.h"
#include "expf.h"

static inline __attribute__((always_inline)) float ann_activate(int kind, float x) {
    switch (kind) {
    case ANN_RELU: return x > 0.0f ? x : 0.0f;
    case ANN_TANH: {
        // tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)): no overflow, no inf/inf.
        float a = x < 0.0f ? -x : x;
        float t = 1.0f - 2.0f / (ann_expf(2.0f * a) + 1.0f);
        return x < 0.0f ? -t : t;
    }
    case ANN_SIGMOID: return 1.0f / (1.0f + ann_expf(-x));
    default: return x;
    }
}

// g'(z) written from the activation's output y = g(z).
static inline __attribute__((always_inline)) float ann_activation_slope(int kind, float y) {
    switch (kind) {
    case ANN_RELU: return y > 0.0f ? 1.0f : 0.0f;
    case ANN_TANH: return 1.0f - y * y;
    case ANN_SIGMOID: return y * (1.0f - y);
    default: return 1.0f;
    }
}

#endif
