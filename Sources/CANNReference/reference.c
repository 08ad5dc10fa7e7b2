// Naive reference twins of the fast kernels: the plainest loops that say what
// each kernel means, in double precision where it sums, with libm's functions.
#include <math.h>
#include <string.h>

#include "CANNReference.h"

static float ref_activate(int kind, float z) {
    switch (kind) {
    case ANN_RELU: return fmaxf(z, 0.0f);
    case ANN_TANH: return tanhf(z);
    case ANN_SIGMOID: return (float)(1.0 / (1.0 + exp(-(double)z)));
    default: return z;
    }
}

static float ref_slope(int kind, float y) {
    switch (kind) {
    case ANN_RELU: return y > 0.0f ? 1.0f : 0.0f;
    case ANN_TANH: return 1.0f - y * y;
    case ANN_SIGMOID: return y * (1.0f - y);
    default: return 1.0f;
    }
}

void ann_ref_dense_forward(float *Y, const float *X, const float *W, const float *b,
                           int B, int in, int out, int activation) {
    for (int r = 0; r < B; r++)
        for (int o = 0; o < out; o++) {
            double s = b ? b[o] : 0.0;
            for (int k = 0; k < in; k++) s += (double)X[(size_t)r * in + k] * W[(size_t)o * in + k];
            Y[(size_t)r * out + o] = ref_activate(activation, (float)s);
        }
}

// dX = (dY·W) ⊙ g'(X).
static void ref_input_gradient(float *dX, const float *dY, const float *X, const float *W,
                               int B, int in, int out, int input_activation) {
    for (int r = 0; r < B; r++)
        for (int k = 0; k < in; k++) {
            double s = 0.0;
            for (int o = 0; o < out; o++) s += (double)dY[(size_t)r * out + o] * W[(size_t)o * in + k];
            dX[(size_t)r * in + k] = (float)s * ref_slope(input_activation, X[(size_t)r * in + k]);
        }
}

// dW[o, k] = Σ_r dY[r, o]·X[r, k] and db[o] = Σ_r dY[r, o].
static void ref_weight_gradient(float *dW, float *db, const float *dY, const float *X, int B, int in, int out) {
    for (int o = 0; o < out; o++) {
        for (int k = 0; k < in; k++) {
            double s = 0.0;
            for (int r = 0; r < B; r++) s += (double)dY[(size_t)r * out + o] * X[(size_t)r * in + k];
            dW[(size_t)o * in + k] = (float)s;
        }
        double s = 0.0;
        for (int r = 0; r < B; r++) s += dY[(size_t)r * out + o];
        db[o] = (float)s;
    }
}

void ann_ref_dense_backward(float *dX, float *dW, float *db, const float *dY,
                            const float *X, const float *W, int B, int in, int out,
                            int input_activation) {
    ref_weight_gradient(dW, db, dY, X, B, in, out);
    if (dX) ref_input_gradient(dX, dY, X, W, B, in, out, input_activation);
}

void ann_ref_activate(float *y, const float *x, size_t n, int kind) {
    for (size_t i = 0; i < n; i++) y[i] = ref_activate(kind, x[i]);
}

void ann_ref_activation_backward(float *dx, const float *dy, const float *y, size_t n, int kind) {
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * ref_slope(kind, y[i]);
}

void ann_ref_softmax_forward(float *P, const float *Z, int B, int C) {
    for (int r = 0; r < B; r++) {
        const float *z = Z + (size_t)r * C;
        double m = z[0], sum = 0.0;
        for (int c = 1; c < C; c++) m = fmax(m, z[c]);
        for (int c = 0; c < C; c++) sum += exp(z[c] - m);
        for (int c = 0; c < C; c++) P[(size_t)r * C + c] = (float)(exp(z[c] - m) / sum);
    }
}

void ann_ref_softmax_backward(float *dZ, const float *dP, const float *P, int B, int C) {
    for (int r = 0; r < B; r++) {
        const float *p = P + (size_t)r * C, *dp = dP + (size_t)r * C;
        double dot = 0.0;
        for (int c = 0; c < C; c++) dot += (double)dp[c] * p[c];
        for (int c = 0; c < C; c++) dZ[(size_t)r * C + c] = (float)(p[c] * (dp[c] - dot));
    }
}

double ann_ref_softmax_cross_entropy(float *P, float *dZ, const float *Z,
                                     const int32_t *labels, int B, int C,
                                     float grad_scale) {
    ann_ref_softmax_forward(P, Z, B, C);
    double loss = 0.0;
    for (int r = 0; r < B; r++) {
        const float *z = Z + (size_t)r * C;
        double m = z[0], sum = 0.0;
        for (int c = 1; c < C; c++) m = fmax(m, z[c]);
        for (int c = 0; c < C; c++) sum += exp(z[c] - m);
        loss += log(sum) - (z[labels[r]] - m);
        for (int c = 0; c < C; c++)
            dZ[(size_t)r * C + c] = (P[(size_t)r * C + c] - (c == labels[r] ? 1.0f : 0.0f)) * grad_scale;
    }
    return loss;
}

double ann_ref_mse(float *dY, const float *Y, const float *T, int B, int C, float grad_scale) {
    double loss = 0.0;
    for (size_t i = 0; i < (size_t)B * C; i++) {
        double d = (double)Y[i] - T[i];
        loss += 0.5 * d * d;
        dY[i] = (float)d * grad_scale;
    }
    return loss;
}

void ann_ref_sgd_momentum_step(float *w, float *v, const float *grad, size_t n,
                               float lr, float momentum, float l1, float l2) {
    for (size_t i = 0; i < n; i++) {
        float sign = w[i] > 0.0f ? 1.0f : (w[i] < 0.0f ? -1.0f : 0.0f);
        float g = grad[i] + l2 * w[i] + l1 * sign;
        v[i] = momentum * v[i] + g;
        w[i] = w[i] - lr * v[i];
    }
}

void ann_ref_sum_into(float *dst, const float *const *sources, int source_count, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < source_count; s++) dst[i] += sources[s][i];
}

static double ref_from_bf16(uint32_t h) {
    uint32_t u = h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

void ann_ref_gemm_bf16(float *C, const uint32_t *A, const uint32_t *B, const float *bias, const float *gate,
                       int M, int N, int pairs, int activation) {
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = 0.0;
            for (int q = 0; q < pairs; q++) {
                uint32_t a = A[(size_t)m * pairs + q], b = B[(size_t)q * N + n];
                s += ref_from_bf16(a & 0xFFFFu) * ref_from_bf16(b & 0xFFFFu) + ref_from_bf16(a >> 16) * ref_from_bf16(b >> 16);
            }
            size_t at = (size_t)m * N + n;
            C[at] = gate ? (float)s * ref_slope(activation, gate[at]) : ref_activate(activation, (float)(s + (bias ? bias[n] : 0.0)));
        }
}
