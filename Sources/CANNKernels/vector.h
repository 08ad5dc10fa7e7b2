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

// A fixed pairwise order, so a sum never depends on how a compiler reassociates.
ANN_INLINE float ann_hsum8(ann_vf8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
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

ANN_INLINE float ann_hsum16(ann_vf16 v) {
    float lo = ((v[0] + v[8]) + (v[1] + v[9])) + ((v[2] + v[10]) + (v[3] + v[11]));
    float hi = ((v[4] + v[12]) + (v[5] + v[13])) + ((v[6] + v[14]) + (v[7] + v[15]));
    return lo + hi;
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
