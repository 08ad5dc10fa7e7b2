// Internal: an exp() whose loops vectorize (libm's expf is a call per value).
#ifndef ANN_EXPF_H
#define ANN_EXPF_H

#include <stdint.h>
#include <string.h>

// exp(x) by range reduction x = n·ln2 + r, |r| ≤ ln2/2, and a degree-6
// polynomial for exp(r); within 2 ulp of libm over the clamped range. Inputs
// are clamped so 2^n stays a normal float: the result saturates at ~1.7e38 and
// ~1.2e-38, never inf or a denormal (softmax and sigmoid want exactly that).
static inline __attribute__((always_inline)) float ann_expf(float x) {
    const float hi = 88.0f, lo = -87.0f;
    x = x > hi ? hi : x;
    x = x < lo ? lo : x;
    // Round-to-nearest by the 1.5·2^23 trick: SSE2 has no vector rint.
    const float shifter = 12582912.0f;
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693359375f;          // ln2, high part (exact product)
    r = r - n * -2.12194440e-4f;             // ln2, low part
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

#endif
