// Hidden-layer activations. Backward passes work from the forward *output*,
// so a layer keeps one buffer per activation instead of two.
//
// Every kernel here runs in place (y == x, dx == dy). Element i reads and
// writes only index i, which is safe, but the vectorizer's overlap check sees
// equal pointers and falls back to scalar code; `omp simd` tells it the truth.
#include "CANNKernels.h"
#include "activation_math.h"
#include "vector.h"

ANN_MULTIVERSION
void ann_relu_forward(float *y, const float *x, size_t n) {
    #pragma omp simd
    for (size_t i = 0; i < n; i++) y[i] = ann_activate(ANN_RELU, x[i]);
}

ANN_MULTIVERSION
void ann_relu_backward(float *dx, const float *dy, const float *y, size_t n) {
    #pragma omp simd
    for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;  // no multiply: keeps -0 and NaN out
}

ANN_MULTIVERSION
void ann_tanh_forward(float *y, const float *x, size_t n) {
    #pragma omp simd
    for (size_t i = 0; i < n; i++) y[i] = ann_activate(ANN_TANH, x[i]);
}

ANN_MULTIVERSION
void ann_tanh_backward(float *dx, const float *dy, const float *y, size_t n) {
    #pragma omp simd
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

ANN_MULTIVERSION
void ann_sigmoid_forward(float *y, const float *x, size_t n) {
    #pragma omp simd
    for (size_t i = 0; i < n; i++) y[i] = ann_activate(ANN_SIGMOID, x[i]);
}

ANN_MULTIVERSION
void ann_sigmoid_backward(float *dx, const float *dy, const float *y, size_t n) {
    #pragma omp simd
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
