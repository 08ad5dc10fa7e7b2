// Internal: splitting work over an OpenMP team by hand.
//
// A `#pragma omp parallel for` makes libomp allocate about four blocks per
// region (its worksharing bookkeeping); a plain `#pragma omp parallel` whose
// threads take their own share allocates nothing, and a training step must
// not allocate. Swift's clang ships no omp.h, so the few runtime calls the
// kernels use are declared here; libomp (LLVM's OpenMP runtime) provides them.
#ifndef ANN_TEAM_H
#define ANN_TEAM_H

#include <stddef.h>

int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);

// This thread's contiguous share [*begin, *end) of `count` items. Uses the
// team's real size, which may be smaller than asked (OMP_THREAD_LIMIT).
static inline void ann_team_share(size_t count, size_t *begin, size_t *end) {
    size_t thread = (size_t)omp_get_thread_num(), size = (size_t)omp_get_num_threads();
    *begin = count * thread / size;
    *end = count * (thread + 1) / size;
}

#endif
