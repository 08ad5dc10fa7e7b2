// Internal: the thread's floating-point control register, read and written
// inline, so that a kernel's team threads can take the calling thread's mode
// for the length of a parallel region.
#ifndef ANN_FP_MODE_H
#define ANN_FP_MODE_H

#include <stdint.h>

static inline __attribute__((always_inline)) uint64_t ann_fp_mode_read(void) {
#if defined(__x86_64__)
    return __builtin_ia32_stmxcsr();
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return fpcr;
#else
    return 0;
#endif
}

static inline __attribute__((always_inline)) void ann_fp_mode_write(uint64_t mode) {
#if defined(__x86_64__)
    __builtin_ia32_ldmxcsr((unsigned)mode);
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(mode) : "memory");
#else
    (void)mode;
#endif
}

// Team threads belong to libomp and serve whatever else in the process uses
// OpenMP: each computes a region in the caller's mode and puts its own back
// at the end (libomp passes MXCSR on at a fork on x86-64 only, and only
// while KMP_INHERIT_FP_CONTROL is left on).
static inline __attribute__((always_inline)) uint64_t ann_team_adopt_fp_mode(uint64_t caller) {
    uint64_t own = ann_fp_mode_read();
    if (own != caller) ann_fp_mode_write(caller);
    return own;
}

static inline __attribute__((always_inline)) void ann_team_restore_fp_mode(uint64_t own, uint64_t caller) {
    if (own != caller) ann_fp_mode_write(own);
}

#endif
