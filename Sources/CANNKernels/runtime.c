// What the kernels see of the machine, for the engine's diagnostics.
#include "CANNKernels.h"
#include "team.h"

int ann_openmp_max_threads(void) { return omp_get_max_threads(); }
