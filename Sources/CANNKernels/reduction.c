// Summing the shards' gradient blocks, in a fixed order.
#include "CANNKernels.h"
#include "vector.h"

ANN_MULTIVERSION
void ann_sum_into(float *dst, const float *const *sources, int source_count, size_t n) {
    // Blocks small enough that dst stays in L1 while each source is added.
    const size_t block = 2048;
    for (size_t start = 0; start < n; start += block) {
        size_t end = start + block < n ? start + block : n;
        for (int s = 0; s < source_count; s++) {
            const float *src = sources[s];
            for (size_t i = start; i < end; i++) dst[i] += src[i];
        }
    }
}
