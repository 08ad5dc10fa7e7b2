// The floating-point mode engine work runs in, and the caller's, saved and put back.
#include "CANNKernels.h"
#include "fp_mode.h"

#if defined(__x86_64__)
// MXCSR: flags in bits 0-5, DAZ 6, exception masks 7-12, rounding 13-14, FTZ 15.
enum { FP_FLAGS = 0x3F, FP_ALL_MASKED = 0x1F80, FP_FLUSH = 0x8040 };
#elif defined(__aarch64__)
// FPCR: trap enables in bits 8-12 and 15, rounding 22-23, FZ 24.
static const uint64_t FP_CONTROL = 0x9F00u | (3u << 22) | (1u << 24), FP_FLUSH = 1u << 24;
#endif

uint64_t ann_fp_mode(void) { return ann_fp_mode_read(); }

void ann_set_fp_mode(uint64_t mode) { ann_fp_mode_write(mode); }

uint64_t ann_engine_fp_mode(uint64_t caller, int flush_subnormals) {
#if defined(__x86_64__)
    return (caller & FP_FLAGS) | FP_ALL_MASKED | (flush_subnormals ? FP_FLUSH : 0);
#elif defined(__aarch64__)
    return (caller & ~FP_CONTROL) | (flush_subnormals ? FP_FLUSH : 0);
#else
    (void)flush_subnormals;
    return caller;
#endif
}

int ann_can_flush_subnormals(void) {
#if defined(__x86_64__) || defined(__aarch64__)
    return 1;
#else
    return 0;
#endif
}
