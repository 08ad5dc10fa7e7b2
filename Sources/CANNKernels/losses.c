// Output layers and losses, row by row over (B, C) batches.
#include <math.h>

#include "CANNKernels.h"
#include "expf.h"
#include "vector.h"

// P[row] = softmax(Z[row]); returns log Σ exp(Z − max) for the loss.
ANN_INLINE float softmax_row(float *P, const float *Z, int C, float *rowMax) {
    float m = Z[0];
    for (int c = 1; c < C; c++) m = Z[c] > m ? Z[c] : m;
    float sum = 0.0f;
    for (int c = 0; c < C; c++) {
        P[c] = ann_expf(Z[c] - m);
        sum += P[c];
    }
    float inv = 1.0f / sum;
    for (int c = 0; c < C; c++) P[c] *= inv;
    *rowMax = m;
    return logf(sum);
}

ANN_MULTIVERSION
void ann_softmax_forward(float *P, const float *Z, int B, int C) {
    for (int r = 0; r < B; r++) {
        float m;
        (void)softmax_row(P + (size_t)r * C, Z + (size_t)r * C, C, &m);
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

ANN_MULTIVERSION
double ann_softmax_cross_entropy(float *P, float *dZ, const float *Z,
                                 const int32_t *labels, int B, int C,
                                 float grad_scale) {
    double loss = 0.0;
    for (int r = 0; r < B; r++) {
        float *p = P + (size_t)r * C, *dz = dZ + (size_t)r * C;
        const float *z = Z + (size_t)r * C;
        float m;
        float logSum = softmax_row(p, z, C, &m);
        int y = labels[r];
        // −log p_y from the logits, not from p_y, so a tiny p_y costs no precision.
        loss += (double)(logSum - (z[y] - m));
        for (int c = 0; c < C; c++) dz[c] = (p[c] - (c == y ? 1.0f : 0.0f)) * grad_scale;
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
        int best = 0;
        for (int c = 1; c < C; c++)
            if (x[c] > x[best]) best = c;
        out[r] = best;
    }
}
