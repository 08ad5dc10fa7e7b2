// Output layers and losses, row by row over (B, C) batches.
#include <math.h>

#include "CANNKernels.h"
#include "expf.h"
#include "vector.h"

// Rows per softmax block: their exponentials run as one vector loop (a row
// of 10 classes alone would fill less than one vector), and the block's row
// maxima and sums live on the stack.
enum { SOFTMAX_BLOCK = 16 };

// P = softmax(Z) for `rows` ≤ SOFTMAX_BLOCK rows; logSum[r] = log Σ exp(Z[r] − max)
// and rowMax[r] = max Z[r], for the loss. Each row's sum runs over its classes
// in order, as a row-at-a-time softmax would add them.
ANN_INLINE void softmax_block(float *P, const float *Z, int rows, int C, float *rowMax, float *logSum) {
    for (int r = 0; r < rows; r++) {
        const float *z = Z + (size_t)r * C;
        float *p = P + (size_t)r * C;
        float m = z[0];
        for (int c = 1; c < C; c++) m = z[c] > m ? z[c] : m;
        for (int c = 0; c < C; c++) p[c] = z[c] - m;
        rowMax[r] = m;
    }
    size_t n = (size_t)rows * C;
    for (size_t i = 0; i < n; i++) P[i] = ann_expf(P[i]);
    for (int r = 0; r < rows; r++) {
        float *p = P + (size_t)r * C;
        float sum = 0.0f;
        for (int c = 0; c < C; c++) sum += p[c];
        float inv = 1.0f / sum;
        for (int c = 0; c < C; c++) p[c] *= inv;
        logSum[r] = logf(sum);
    }
}

ANN_MULTIVERSION
void ann_softmax_forward(float *P, const float *Z, int B, int C) {
    float rowMax[SOFTMAX_BLOCK], logSum[SOFTMAX_BLOCK];
    for (int r = 0; r < B; r += SOFTMAX_BLOCK) {
        int rows = B - r < SOFTMAX_BLOCK ? B - r : SOFTMAX_BLOCK;
        softmax_block(P + (size_t)r * C, Z + (size_t)r * C, rows, C, rowMax, logSum);
    }
}

ANN_MULTIVERSION
void ann_softmax_backward(float *dZ, const float *dP, const float *P, int B, int C) {
    for (int r = 0; r < B; r++) {
        const float *p = P + (size_t)r * C, *dp = dP + (size_t)r * C;
        float *dz = dZ + (size_t)r * C;
        float dot = 0.0f;
        for (int c = 0; c < C; c++) dot += dp[c] * p[c];
        for (int c = 0; c < C; c++) dz[c] = p[c] * (dp[c] - dot);
    }
}

// The cross-entropy of `rows` ≤ SOFTMAX_BLOCK rows whose softmax is in P:
// each row's loss into rowLoss, its logit gradient into dZ.
ANN_INLINE void cross_entropy_block(float *dZ, float *rowLoss, const float *P, const float *Z,
                                    const int32_t *labels, int rows, int C, float grad_scale,
                                    const float *rowMax, const float *logSum) {
    for (int r = 0; r < rows; r++) {
        const float *p = P + (size_t)r * C, *z = Z + (size_t)r * C;
        float *dz = dZ + (size_t)r * C;
        int y = labels[r];
        // −log p_y from the logits, not from p_y, so a tiny p_y costs no precision.
        rowLoss[r] = logSum[r] - (z[y] - rowMax[r]);
        for (int c = 0; c < C; c++) dz[c] = (p[c] - (c == y ? 1.0f : 0.0f)) * grad_scale;
    }
}

ANN_MULTIVERSION
double ann_softmax_cross_entropy(float *P, float *dZ, const float *Z,
                                 const int32_t *labels, int B, int C,
                                 float grad_scale) {
    // A block's row losses at a time, summed in row order.
    double loss = 0.0;
    float rowMax[SOFTMAX_BLOCK], logSum[SOFTMAX_BLOCK], rowLoss[SOFTMAX_BLOCK];
    for (int first = 0; first < B; first += SOFTMAX_BLOCK) {
        int rows = B - first < SOFTMAX_BLOCK ? B - first : SOFTMAX_BLOCK;
        size_t offset = (size_t)first * C;
        softmax_block(P + offset, Z + offset, rows, C, rowMax, logSum);
        cross_entropy_block(dZ + offset, rowLoss, P + offset, Z + offset, labels + first, rows, C, grad_scale,
                            rowMax, logSum);
        for (int r = 0; r < rows; r++) loss += (double)rowLoss[r];
    }
    return loss;
}

ANN_MULTIVERSION
double ann_mse(float *dY, const float *Y, const float *T, int B, int C, float grad_scale) {
    double loss = 0.0;
    for (int r = 0; r < B; r++) {
        float rowLoss = 0.0f;
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)r * C + c;
            float d = Y[i] - T[i];
            rowLoss += d * d;
            dY[i] = d * grad_scale;
        }
        loss += 0.5 * (double)rowLoss;
    }
    return loss;
}

void ann_argmax_rows(int32_t *out, const float *X, int B, int C) {
    for (int r = 0; r < B; r++) {
        const float *x = X + (size_t)r * C;
        // Selects rather than branches: which class wins is data, and a
        // mispredicted branch per row costs more than the row's compares.
        int best = 0;
        float bestValue = x[0];
        for (int c = 1; c < C; c++) {
            int better = x[c] > bestValue;
            best = better ? c : best;
            bestValue = better ? x[c] : bestValue;
        }
        out[r] = best;
    }
}
