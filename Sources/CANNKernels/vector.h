// Internal: the small vector vocabulary the fast kernels share.
#ifndef ANN_VECTOR_H
#define ANN_VECTOR_H

#include <string.h>

// Eight floats, loadable from any float address. Clang lowers it to one AVX
// register where the clone allows, to two SSE/NEON registers elsewhere.
typedef float ann_vf8 __attribute__((vector_size(32), aligned(4)));

#ifndef __has_feature
#define __has_feature(x) 0
#endif

// The vectors only cross always-inline helpers, never a real call boundary.
#pragma clang diagnostic ignored "-Wpsabi"

#define ANN_INLINE static inline __attribute__((always_inline))

ANN_INLINE ann_vf8 ann_load8(const float *p) {
    ann_vf8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

ANN_INLINE void ann_store8(float *p, ann_vf8 v) { memcpy(p, &v, sizeof v); }

ANN_INLINE ann_vf8 ann_splat8(float x) { return (ann_vf8){x, x, x, x, x, x, x, x}; }

// A fixed pairwise order, so a sum never depends on how a compiler
// reassociates: a halving tree (lanes i and i+4, then i and i+2, then the
// last two), which ann_hsum8_x8 follows bit for bit.
ANN_INLINE float ann_hsum8(ann_vf8 v) {
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

// out[i] = ann_hsum8(v[i]) for 8 vectors, in 7 vector additions: each fold
// takes one level of the tree for two vectors of partial sums at once.
ANN_INLINE void ann_hsum8_x8(const ann_vf8 v[8], float out[8]) {
    ann_vf8 l1[4], l2[2];
    for (int i = 0; i < 4; i++)
        l1[i] = __builtin_shufflevector(v[2 * i], v[2 * i + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
                __builtin_shufflevector(v[2 * i], v[2 * i + 1], 4, 5, 6, 7, 12, 13, 14, 15);
    for (int i = 0; i < 2; i++)
        l2[i] = __builtin_shufflevector(l1[2 * i], l1[2 * i + 1], 0, 1, 8, 9, 4, 5, 12, 13) +
                __builtin_shufflevector(l1[2 * i], l1[2 * i + 1], 2, 3, 10, 11, 6, 7, 14, 15);
    ann_vf8 sums = __builtin_shufflevector(l2[0], l2[1], 0, 8, 2, 10, 4, 12, 6, 14) +
                   __builtin_shufflevector(l2[0], l2[1], 1, 9, 3, 11, 5, 13, 7, 15);
    // The folds leave vector i's sum in lane bitreverse3(i).
    sums = __builtin_shufflevector(sums, sums, 0, 4, 2, 6, 1, 5, 3, 7);
    memcpy(out, &sums, sizeof sums);
}

// Sixteen floats: one AVX-512 register. Used only inside functions compiled
// for x86-64-v4 and called after a CPU check.
typedef float ann_vf16 __attribute__((vector_size(64), aligned(4)));

ANN_INLINE ann_vf16 ann_load16(const float *p) {
    ann_vf16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

ANN_INLINE void ann_store16(float *p, ann_vf16 v) { memcpy(p, &v, sizeof v); }

ANN_INLINE ann_vf16 ann_splat16(float x) {
    return (ann_vf16){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
}

// Halving tree: lanes i and i+8, then i and i+4, i and i+2, i and i+1.
// ann_hsum16_x16 adds the same pairs in the same order, so one output
// element has the same bits whichever of the two computes it.
ANN_INLINE float ann_hsum16(ann_vf16 v) {
    float a[8], b[4];
    for (int i = 0; i < 8; i++) a[i] = v[i] + v[i + 8];
    for (int i = 0; i < 4; i++) b[i] = a[i] + a[i + 4];
    return (b[0] + b[2]) + (b[1] + b[3]);
}

// Lanes 0-7 of the result are the halving tree's first level for p, 8-15 for q.
ANN_INLINE ann_vf16 ann_fold16(ann_vf16 p, ann_vf16 q) {
    return __builtin_shufflevector(p, q, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
           __builtin_shufflevector(p, q, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}

// The three later levels, each folding two vectors of partial sums into one.
ANN_INLINE ann_vf16 ann_fold8(ann_vf16 p, ann_vf16 q) {
    return __builtin_shufflevector(p, q, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27) +
           __builtin_shufflevector(p, q, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
}
ANN_INLINE ann_vf16 ann_fold4(ann_vf16 p, ann_vf16 q) {
    return __builtin_shufflevector(p, q, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29) +
           __builtin_shufflevector(p, q, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
}
ANN_INLINE ann_vf16 ann_fold2(ann_vf16 p, ann_vf16 q) {
    return __builtin_shufflevector(p, q, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30) +
           __builtin_shufflevector(p, q, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
}

// out[i] = ann_hsum16(v[i]) for 16 vectors, in 15 vector additions instead
// of 16 separate trees: the dot-product tiles' epilogue, which would
// otherwise cost a third of a short dot product.
ANN_INLINE void ann_hsum16_x16(const ann_vf16 v[16], float out[16]) {
    ann_vf16 l1[8], l2[4], l3[2];
    for (int i = 0; i < 8; i++) l1[i] = ann_fold16(v[2 * i], v[2 * i + 1]);
    for (int i = 0; i < 4; i++) l2[i] = ann_fold8(l1[2 * i], l1[2 * i + 1]);
    for (int i = 0; i < 2; i++) l3[i] = ann_fold4(l2[2 * i], l2[2 * i + 1]);
    ann_vf16 sums = ann_fold2(l3[0], l3[1]);
    // The folds leave vector i's sum in lane bitreverse4(i).
    sums = __builtin_shufflevector(sums, sums, 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15);
    memcpy(out, &sums, sizeof sums);
}

// Portable builds stay baseline; on x86-64 the hot kernels are also compiled
// for x86-64-v3 (AVX2 + FMA) and x86-64-v4 (AVX-512: 32 vector registers, so
// the register tiles never spill), and the loader picks the widest the CPU runs.
// Sanitizer builds skip the clones: ifunc resolvers run before their runtimes.
#if defined(__x86_64__) && defined(__linux__) && !defined(ANN_NO_MULTIVERSION) && \
    !__has_feature(thread_sanitizer) && !__has_feature(address_sanitizer)
#define ANN_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define ANN_HAS_WIDE_PATH 1
#else
#define ANN_MULTIVERSION
#define ANN_HAS_WIDE_PATH 0
#endif

#endif
