// CANNReference: naive twins of the CANNKernels kernels, for the tests only
// (no product ships them). Same shapes and meanings as the kernels they
// mirror, minus `threads`.
#ifndef CANNREFERENCE_H
#define CANNREFERENCE_H

#include "CANNKernels.h"

#ifdef __cplusplus
extern "C" {
#endif

void ann_ref_dense_forward(float *Y, const float *X, const float *W, const float *b,
                           int B, int in, int out, int activation);
void ann_ref_dense_backward(float *dX, float *dW, float *db, const float *dY,
                            const float *X, const float *W, int B, int in, int out,
                            int input_activation);
// y = g(x) and dx = dy · g'(x) written from y = g(x), for activation kind `kind`:
// what the dense kernels apply to their outputs and to their input gradients.
void ann_ref_activate(float *y, const float *x, size_t n, int kind);
void ann_ref_activation_backward(float *dx, const float *dy, const float *y, size_t n, int kind);
void ann_ref_softmax_forward(float *P, const float *Z, int B, int C);
void ann_ref_softmax_backward(float *dZ, const float *dP, const float *P, int B, int C);
double ann_ref_softmax_cross_entropy(float *P, float *dZ, const float *Z,
                                     const int32_t *labels, int B, int C,
                                     float grad_scale);
double ann_ref_mse(float *dY, const float *Y, const float *T, int B, int C,
                   float grad_scale);
void ann_ref_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                               float lr, float momentum, float l1, float l2);
void ann_ref_sum_into(float *dst, const float *const *sources, int source_count,
                      size_t n);
// The bfloat16 product of ann_gemm_bf16, its sums in double.
void ann_ref_gemm_bf16(float *C, const uint32_t *A, const uint32_t *B, const float *bias, const float *gate,
                       int M, int N, int pairs, int activation);

#ifdef __cplusplus
}
#endif

#endif
