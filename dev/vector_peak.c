// The core's peak rate for the two multiply-adds the dense kernels use:
// VFMADD (fp32, 16 lanes) and VDPBF16PS (bfloat16 pairs into fp32, 16
// lanes × 2), each in 12 independent chains that stay in registers, so that
// only the instruction's throughput limits them. The kernels' GFLOP/s
// (Benchmarks/, `ann_gemm_bf16 …`, `ann_dense_…`) are held against these.
//
//     /opt/swift/usr/bin/clang -O2 dev/vector_peak.c -o /tmp/vector-peak && /tmp/vector-peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 12
#define TARGET __attribute__((target("avx512f,avx512bf16,avx512bw,avx512vl")))

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// GFLOP/s of `rounds` × CHAINS instructions of `flops` each.
TARGET static double fp32_rate(long rounds) {
    __m512 acc[CHAINS], x = _mm512_set1_ps(1.0f), y = _mm512_set1_ps(1e-9f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    double start = now();
    for (long k = 0; k < rounds; k++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
        __asm__ volatile("" : "+v"(x), "+v"(y));  // no hoisting, no folding
    }
    double seconds = now() - start;
    float sum = 0;
    for (int i = 0; i < CHAINS; i++) sum += _mm512_reduce_add_ps(acc[i]);
    __asm__ volatile("" ::"x"(sum));
    return (double)rounds * CHAINS * 32 / seconds / 1e9;
}

TARGET static double bf16_rate(long rounds) {
    __m512 acc[CHAINS];
    __m512i a = _mm512_set1_epi32(0x3F803F80), b = _mm512_set1_epi32(0x30003000);  // 1.0 and 2⁻³¹ pairs
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    double start = now();
    for (long k = 0; k < rounds; k++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbf16_ps(acc[i], (__m512bh)a, (__m512bh)b);
        __asm__ volatile("" : "+v"(a), "+v"(b));
    }
    double seconds = now() - start;
    float sum = 0;
    for (int i = 0; i < CHAINS; i++) sum += _mm512_reduce_add_ps(acc[i]);
    __asm__ volatile("" ::"x"(sum));
    return (double)rounds * CHAINS * 64 / seconds / 1e9;
}

int main(void) {
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bf16")) {
        fprintf(stderr, "vector_peak: this CPU lacks AVX-512 or AVX512-BF16\n");
        return 1;
    }
    long rounds = 20000000;
    for (int run = 0; run < 3; run++)
        printf("one core: fp32 FMA %.0f GFLOP/s, bf16 VDPBF16PS %.0f GFLOP/s\n", fp32_rate(rounds), bf16_rate(rounds));
    return 0;
}
