// CANNKernels: the hot loops of swift-ann.
//
// Every buffer is a contiguous, row-major array of `float`, batch-major: a
// batch of B samples with F features is (B, F), and a dense layer's weight
// matrix is (out, in). Kernels allocate nothing and keep no state between
// calls. `threads` is the number of OpenMP threads a kernel may use; pass 1
// when the caller has already fanned out across cores. Results never depend
// on `threads`: every output element is computed by one thread in one fixed
// order.
//
// Each arithmetic kernel has a naive twin in the tests' CANNReference target.
#ifndef CANNKERNELS_H
#define CANNKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: Dense layers

// Activation kinds, applied inside the dense kernels.
enum { ANN_IDENTITY = 0, ANN_RELU = 1, ANN_TANH = 2, ANN_SIGMOID = 3 };

// Y = g(X·Wᵀ + b), g the activation kind (ANN_IDENTITY for none), applied
// while the output tile is still in cache.
// X is (B, in), W is (out, in), b is (out) or NULL, Y is (B, out).
void ann_dense_forward(float *Y, const float *X, const float *W, const float *b,
                       int B, int in, int out, int activation, int threads);

// Backward pass of Y = X·Wᵀ + b given dY (B, out):
//   dW (out, in) = dYᵀ·X,  db (out) = Σ_rows dY
//   dX (B, in)   = (dY·W) ⊙ g'(X)   (skipped when dX is NULL)
// where X, this layer's input, is the output of the previous layer's
// activation `input_activation` (ANN_IDENTITY: dX = dY·W).
void ann_dense_backward(float *dX, float *dW, float *db, const float *dY,
                        const float *X, const float *W, int B, int in, int out,
                        int input_activation, int threads);

// MARK: bfloat16 products (mixed precision)

// Which bfloat16 product a CPU runs: AMX tiles (TDPBF16PS) where it has them
// and Linux grants them, else VDPBF16PS where it has AVX512-BF16, else the
// operands widened to fp32 (exact products; the same numbers, added in
// another order).
enum { ANN_BF16_PORTABLE = 0, ANN_BF16_AVX512 = 1, ANN_BF16_AMX = 2 };
int ann_bf16_path(void);

// C (M, N) = Σ_p a(i, p)·b(p, j) with bfloat16 operands and fp32 sums,
// the operands in pairs along p (p padded to an even count with zeros):
//   A: row pairs, M rows of `pairs` words, word (i, q) = a(i, 2q) | a(i, 2q+1) << 16;
//   B: VNNI pairs, `pairs` rows of N words, word (q, j) = b(2q, j) | b(2q+1, j) << 16.
// Then C = g(C + bias) (bias (N) or NULL, g the activation kind), or, given
// gate (M, N), C ⊙= g'(gate) (the input gradient through the previous
// layer's activation, g' written from that layer's output). `path` is an
// ANN_BF16_* value (an unavailable one runs the portable path).
void ann_gemm_bf16(float *C, const uint32_t *A, const uint32_t *B, const float *bias, const float *gate,
                   int M, int N, int pairs, int activation, int path, int threads);

// The same product written transposed: C (N, M), C[j, i] = g(Σ_p a(i, p)·b(p, j)
// + bias[i]). A dense layer's forward pass as Yᵀ = W·Xᵀ (A: W along rows, B: X
// along rows, transposed), which spares AMX the weights' transposed layout
// every step; the other paths compute it too, but slower than the plain form.
void ann_gemm_bf16_transposed(float *C, const uint32_t *A, const uint32_t *B, const float *bias, int M, int N,
                              int pairs, int activation, int path, int threads);

// The pairs, from an fp32 matrix src (rows, cols), rounded to bfloat16 (to
// nearest even) and padded with zeros to an even count, with up to `threads`
// OpenMP threads:
//   along rows:             dst (rows, ⌈cols/2⌉),  word (r, q) = src[r, 2q], src[r, 2q+1]
//   along rows, transposed: dst (⌈cols/2⌉, rows),  word (q, r) = the same pair
//   down columns:           dst (⌈rows/2⌉, cols),  word (q, c) = src[2q, c], src[2q+1, c]
//   down columns, transposed: dst (cols, ⌈rows/2⌉), word (c, q) = the same pair
// A dense layer Y = X·Wᵀ, X (B, in), W (out, in), dY (B, out), takes:
//   forward  Y  = A: X along rows,                B: W along rows, transposed;
//   backward dW = A: dY down columns, transposed, B: X down columns;
//            dX = A: dY along rows,               B: W down columns.
void ann_bf16_pairs_along_rows(uint32_t *dst, const float *src, int rows, int cols, int threads);
void ann_bf16_pairs_along_rows_transposed(uint32_t *dst, const float *src, int rows, int cols, int threads);
void ann_bf16_pairs_down_columns(uint32_t *dst, const float *src, int rows, int cols, int threads);
void ann_bf16_pairs_down_columns_transposed(uint32_t *dst, const float *src, int rows, int cols, int threads);

// MARK: Outputs and losses (row by row over (B, C) batches)

// Row-wise softmax, shifted by the row maximum for stability.
void ann_softmax_forward(float *P, const float *Z, int B, int C);

// Backward of P = softmax(Z): dZ = P ⊙ (dP − Σ_c dP·P), per row. dZ may alias dP.
void ann_softmax_backward(float *dZ, const float *dP, const float *P, int B, int C);

// Softmax followed by cross-entropy against integer labels in [0, C):
//   P = softmax(Z), dZ = (P − onehot(labels)) · grad_scale.
// Returns Σ_rows −log P[row, label] (not scaled), each row's term from the logits.
double ann_softmax_cross_entropy(float *P, float *dZ, const float *Z,
                                 const int32_t *labels, int B, int C,
                                 float grad_scale);

// Mean-squared error against dense targets T (B, C):
//   dY = (Y − T) · grad_scale.  Returns Σ_rows ½·Σ_c (Y − T)² (not scaled).
double ann_mse(float *dY, const float *Y, const float *T, int B, int C,
               float grad_scale);

// Index of the largest value of each row of X (B, C); ties go to the first.
void ann_argmax_rows(int32_t *out, const float *X, int B, int C);

// MARK: Optimiser and reduction

// One SGD step with momentum and L1/L2 penalties over a flat block of n values:
//   g = grad + l2·w + l1·sign(w);  v = momentum·v + g;  w -= lr·v
void ann_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                           float lr, float momentum, float l1, float l2,
                           int threads);

// dst[i] += Σ_s sources[s][i], adding the sources in index order, so the
// result does not depend on how the caller split [0, n) across threads.
void ann_sum_into(float *dst, const float *const *sources, int source_count,
                  size_t n);

// MARK: Data

// Gathers `rows` samples of `features` bytes each into Y (rows, features) as
// floats times `scale`: row r is sample indices[r] of X, or first + r when
// indices is NULL.
void ann_gather_bytes(float *Y, const uint8_t *X, const int32_t *indices, size_t first, int rows,
                      size_t features, float scale, int threads);

// MARK: Floating-point mode

// The kernels compute in the calling thread's floating-point mode, and so do
// their OpenMP team threads (each takes it for the region and restores its
// own after). The mode is the thread's control register: MXCSR on x86-64,
// FPCR on arm64; elsewhere 0, and nothing changes.
uint64_t ann_fp_mode(void);
void ann_set_fp_mode(uint64_t mode);

// `caller` with round-to-nearest, no floating-point traps, and subnormal
// floats (magnitudes below 2^-126, about 1.18e-38) flushed to zero as inputs
// and results when flush_subnormals != 0 (FTZ and DAZ on x86-64, FZ on
// arm64), kept as IEEE 754 asks otherwise. Many Intel cores take a microcode
// assist on every operation that meets a subnormal.
uint64_t ann_engine_fp_mode(uint64_t caller, int flush_subnormals);

// Whether ann_engine_fp_mode can flush on this architecture (x86-64, arm64).
int ann_can_flush_subnormals(void);

// MARK: Machine

// The number of threads OpenMP would use by default (its view of the machine).
int ann_openmp_max_threads(void);

// The vector width, in floats, of the dense kernels' tiles on this CPU: 16
// with AVX-512, else 8 (AVX2 clones where the CPU has AVX2, else baseline).
int ann_dense_vector_width(void);

#ifdef __cplusplus
}
#endif

#endif
