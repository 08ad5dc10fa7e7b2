// The one OpenMP runtime call the engine needs. Swift's clang ships no omp.h,
// so it is declared here; libomp (LLVM's OpenMP runtime) provides it.
#include "CANNKernels.h"

int omp_get_max_threads(void);

int ann_openmp_max_threads(void) { return omp_get_max_threads(); }
