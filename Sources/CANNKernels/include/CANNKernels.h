// CANNKernels: the hot loops of swift-ann.
//
// Every buffer is a contiguous, row-major array of `float`, batch-major: a
// batch of B samples with F features is (B, F), and a dense layer's weight
// matrix is (out, in). Kernels allocate nothing and keep no state between
// calls. `threads` is the number of OpenMP threads a kernel may use; pass 1
// when the caller has already fanned out across cores.
//
// Each arithmetic kernel `ann_X` (dense layers, activations, losses, the
// optimiser, the reduction) has a naive twin `ann_ref_X` with the same
// signature (minus `threads` and `x_copy_stride`) that the tests compare it
// with; the data-moving helpers (argmax, byte conversion, gather) are tested
// directly, and the fused output step against the separate kernels it fuses,
// bit for bit.
#ifndef CANNKERNELS_H
#define CANNKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: Activation kinds, for the fused dense-layer epilogues

enum { ANN_IDENTITY = 0, ANN_RELU = 1, ANN_TANH = 2, ANN_SIGMOID = 3 };

// MARK: Dense layers

// x_copy_stride: every thread of a kernel's team reads all of X, so a layer
// input that another core wrote costs each thread a cross-core fetch per
// cache line (and the writer one back, the next time it writes). Given
// x_copy_stride > 0, thread t reads its own copy at X + t·x_copy_stride
// instead: copies 0…threads−1 must exist and hold the same values (see
// ann_gather_bytes, which writes copy t on thread t). 0: all threads read X.
// The results do not depend on it.

// Y = g(X·Wᵀ + b), g the activation kind (ANN_IDENTITY for none), applied
// while the output tile is still in cache.
// X is (B, in), W is (out, in), b is (out), Y is (B, out).
void ann_dense_forward(float *Y, const float *X, size_t x_copy_stride, const float *W, const float *b,
                       int B, int in, int out, int activation, int threads);

// The weights' pending momentum step, then the forward pass:
//   W -= lr·V, then Y = ann_dense_forward(X, W, b)
// Each thread steps the rows of W its share of the output columns reads,
// right before it reads them. With ann_dense_backward_momentum this moves a
// layer's step out of its backward pass, where each thread's rows hold
// columns another thread has just read for dX (each such line must be taken
// back from that core, and a barrier must wait for dX first), to the next
// forward pass, where no other thread touches them. Same bits as
// ann_sgd_velocity_step followed by ann_dense_forward, for any `threads`.
void ann_dense_forward_stepped(float *Y, const float *X, size_t x_copy_stride, float *W, const float *V, float lr,
                               const float *b, int B, int in, int out, int activation, int threads);

// Backward pass of Y = X·Wᵀ + b given dY (B, out):
//   dW (out, in) = dYᵀ·X, db (out) = Σ_rows dY   (added to when accumulate != 0,
//                                                  overwritten otherwise)
//   dX (B, in)  = (dY·W) ⊙ g'(X)                 (always overwritten; skipped when NULL)
// where X, this layer's input, is the output of the previous layer's
// activation `input_activation` (ANN_IDENTITY: dX = dY·W).
void ann_dense_backward(float *dX, float *dW, float *db, const float *dY,
                        const float *X, size_t x_copy_stride, const float *W, int B, int in, int out,
                        int input_activation, int accumulate, int threads);

// ann_dense_backward (accumulate = 0) and the weights' SGD step with
// momentum (no penalty) in one pass, the weight gradient never stored:
//   V (out, in) = momentum·V + dYᵀ·X   (folded in while each tile is in registers)
//   dX = (dY·W) ⊙ g'(X)                (from W before the step; skipped when NULL)
//   W -= lr·V                           (each thread the rows it folded; with
//                                        fewer row blocks than threads, an even
//                                        split after a barrier)
//   db = Σ_rows dY                      (the biases' step is the caller's)
// For finite W and V, the same bits as ann_dense_backward followed by
// ann_sgd_momentum_step with l1 = l2 = 0 (with momentum 0 the old V is not
// read at all); it saves the optimiser's pass over the gradient and a fork.
void ann_dense_backward_sgd(float *dX, float *W, float *V, float *db, const float *dY,
                            const float *X, size_t x_copy_stride, int B, int in, int out, int input_activation,
                            float momentum, float lr, int threads);

// ann_dense_backward_sgd without the weights' step, left for the caller to
// take (ann_dense_forward_stepped, or ann_sgd_velocity_step) before W is
// read again:
//   V = momentum·V + dYᵀ·X, dX = (dY·W) ⊙ g'(X) (skipped when NULL), db = Σ_rows dY
// with no barrier inside. The same bits as ann_dense_backward_sgd's V, dX and
// db; its batch limit applies too.
void ann_dense_backward_momentum(float *dX, float *V, float *db, const float *dY,
                                 const float *X, size_t x_copy_stride, const float *W, int B, int in, int out,
                                 int input_activation, float momentum, int threads);

// The largest batch B for which ann_dense_backward_sgd is worth calling:
// past it ann_dense_backward cuts the weight-gradient product into slices of
// the batch that stay in cache, which the fold cannot follow (it needs the
// whole sum at once), and the unsliced product costs more than the optimiser
// pass the fold saves. Correct for any B.
int ann_dense_sgd_batch_limit(void);

// The output layer of a softmax classifier trained with cross-entropy,
// forward and backward in one OpenMP region (the layer is too small to be
// worth two regions with the softmax and argmax on one thread between them):
//   Z = X·Wᵀ + b, P = softmax(Z), predictions = argmax of each row of P,
//   row_loss[r] = −log softmax(Z)[r, labels[r]] (from the logits),
//   dZ = (P − onehot(labels)) · grad_scale, then dW, db (overwritten) and
//   dX = (dZ·W) ⊙ g'(X) (skipped when NULL) as ann_dense_backward computes
//   them from dY = dZ.
// X (B, in), W (classes, in), b (classes); Z, P, dZ (B, classes); row_loss,
// predictions, labels (B); dX (B, in). Labels must lie in [0, classes). Each
// output has the same bits as the separate kernels give, for any `threads`.
void ann_softmax_output_step(float *Z, float *P, float *dZ, float *row_loss, int32_t *predictions,
                             float *dX, float *dW, float *db,
                             const float *X, const float *W, const float *b, const int32_t *labels,
                             int B, int in, int classes, int input_activation, float grad_scale,
                             int threads);

// MARK: Activations (elementwise over n values; forward may run in place)

void ann_relu_forward(float *y, const float *x, size_t n);
void ann_tanh_forward(float *y, const float *x, size_t n);
void ann_sigmoid_forward(float *y, const float *x, size_t n);

// dx = dy · g'(x), written from the forward *output* y. dx may alias dy.
void ann_relu_backward(float *dx, const float *dy, const float *y, size_t n);
void ann_tanh_backward(float *dx, const float *dy, const float *y, size_t n);
void ann_sigmoid_backward(float *dx, const float *dy, const float *y, size_t n);

// MARK: Outputs and losses

// Row-wise softmax, shifted by the row maximum for stability. P, Z are (B, C).
void ann_softmax_forward(float *P, const float *Z, int B, int C);

// Backward of P = softmax(Z): dZ = P ⊙ (dP − Σ_c dP·P), per row. dZ may alias dP.
void ann_softmax_backward(float *dZ, const float *dP, const float *P, int B, int C);

// Softmax followed by cross-entropy against integer labels, fused:
//   P = softmax(Z), dZ = (P − onehot(labels)) · grad_scale.
// Returns Σ_rows −log P[row, label] (not scaled). Labels must lie in [0, C).
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

// w -= lr·v over n values: the rest of an SGD step whose velocity is
// already updated (ann_dense_backward_sgd ends with it).
void ann_sgd_velocity_step(float *w, const float *v, size_t n, float lr, int threads);

// dst[i] += Σ_s sources[s][i], adding the sources in index order so the result
// does not depend on how the caller split [0, n) across threads.
void ann_sum_into(float *dst, const float *const *sources, int source_count,
                  size_t n);

// MARK: Data

// Y[i] = X[i] · scale, widening bytes to floats (pixels to network inputs).
void ann_bytes_to_floats(float *Y, const uint8_t *X, size_t n, float scale);

// Gathers `rows` samples of `features` bytes each into Y (rows, features) as
// floats times `scale`: row r is sample indices[r] of X, or first + r when
// indices is NULL. With copies > 1 it writes that many whole copies, copy c
// at Y + c·copy_stride, copy t on team thread t: the per-thread inputs of the
// dense kernels' x_copy_stride. With copies = 1 (copy_stride unused) the
// team splits the rows.
void ann_gather_bytes(float *Y, int copies, size_t copy_stride, const uint8_t *X, const int32_t *indices,
                      size_t first, int rows, size_t features, float scale, int threads);

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

// MARK: Runtime

// The number of threads OpenMP would use by default (its view of the machine).
int ann_openmp_max_threads(void);

// The vector width, in floats, of the dense kernels' tiles on this CPU: 16
// with AVX-512, else 8 (AVX2 clones where the CPU has AVX2, else baseline).
int ann_dense_vector_width(void);

// Nanoseconds of an OpenMP fork/join of a team of `threads`, and of one
// barrier inside such a team, each the median of five batches of rounds/5:
// the synchronisation the OpenMP fan-out pays about six times a step (a
// diagnostic; it says how far apart the cores are right now). Returns the
// size of the team OpenMP formed (OMP_THREAD_LIMIT may cap it).
int ann_openmp_sync_latency(int threads, int rounds, double *fork_join_ns, double *barrier_ns);

// MARK: Naive reference twins (for tests; plain loops, no OpenMP)

void ann_ref_dense_forward(float *Y, const float *X, const float *W, const float *b,
                           int B, int in, int out, int activation);
void ann_ref_dense_backward(float *dX, float *dW, float *db, const float *dY,
                            const float *X, const float *W, int B, int in, int out,
                            int input_activation, int accumulate);
void ann_ref_relu_forward(float *y, const float *x, size_t n);
void ann_ref_tanh_forward(float *y, const float *x, size_t n);
void ann_ref_sigmoid_forward(float *y, const float *x, size_t n);
void ann_ref_relu_backward(float *dx, const float *dy, const float *y, size_t n);
void ann_ref_tanh_backward(float *dx, const float *dy, const float *y, size_t n);
void ann_ref_sigmoid_backward(float *dx, const float *dy, const float *y, size_t n);
void ann_ref_softmax_forward(float *P, const float *Z, int B, int C);
void ann_ref_softmax_backward(float *dZ, const float *dP, const float *P, int B, int C);
double ann_ref_softmax_cross_entropy(float *P, float *dZ, const float *Z,
                                     const int32_t *labels, int B, int C,
                                     float grad_scale);
double ann_ref_mse(float *dY, const float *Y, const float *T, int B, int C,
                   float grad_scale);
void ann_ref_dense_backward_sgd(float *dX, float *W, float *V, float *db, const float *dY,
                                const float *X, int B, int in, int out, int input_activation,
                                float momentum, float lr);
void ann_ref_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                               float lr, float momentum, float l1, float l2);
void ann_ref_sgd_velocity_step(float *w, const float *v, size_t n, float lr);
void ann_ref_sum_into(float *dst, const float *const *sources, int source_count,
                      size_t n);

#ifdef __cplusplus
}
#endif

#endif
