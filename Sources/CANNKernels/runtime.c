// The OpenMP runtime's view of the machine, for the engine's diagnostics.
#include "CANNKernels.h"
#include "team.h"

#include <time.h>

int ann_openmp_max_threads(void) { return omp_get_max_threads(); }

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double median5(double v[5]) {
    for (int i = 1; i < 5; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[2];
}

int ann_openmp_sync_latency(int threads, int rounds, double *fork_join_ns, double *barrier_ns) {
    // Five batches, and the median batch: a shared machine's hiccups land in
    // one batch, not in the figure.
    int batch = rounds / 5 > 0 ? rounds / 5 : 1;
    double forkJoin[5], barrier[5];
    int team = 1;
    // A warm-up region creates the team, which the timed ones then reuse.
    #pragma omp parallel num_threads(threads)
    {
        if (omp_get_thread_num() == 0) team = omp_get_num_threads();
    }
    for (int b = 0; b < 5; b++) {
        double start = now_ns();
        for (int r = 0; r < batch; r++) {
            #pragma omp parallel num_threads(threads)
            { (void)omp_get_thread_num(); }
        }
        forkJoin[b] = (now_ns() - start) / batch;
        double elapsed = 0.0;
        #pragma omp parallel num_threads(threads)
        {
            #pragma omp barrier
            double begin = now_ns();
            for (int r = 0; r < batch; r++) {
                #pragma omp barrier
            }
            if (omp_get_thread_num() == 0) elapsed = now_ns() - begin;
        }
        barrier[b] = elapsed / batch;
    }
    *fork_join_ns = median5(forkJoin);
    *barrier_ns = median5(barrier);
    return team;
}
