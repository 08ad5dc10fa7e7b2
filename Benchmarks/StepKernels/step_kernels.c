// Where a training step's time goes, kernel by kernel, on 1 and on N threads.
//
// It runs the kernels of one minibatch step in the order the trainer calls
// them on its OpenMP path (one shard, OpenMP inside the kernels; the weights'
// SGD step folded into the backward pass up to ann_dense_sgd_batch_limit(),
// where the layers with dX take it at the start of the next forward pass;
// a pass of its own beyond), over a byte data set as large as MNIST's
// training set with minibatches of random rows, and times each call. Shards
// (concurrentPerform) are the trainer's other fan-out, not measured here.
// A kernel timed alone would find its operands where it left them; in a step
// it finds them where the previous kernel, on whichever core, left them, and
// that is what the two-thread figures are about.
//
// Rounds alternate the thread counts; each figure is the median over every
// step of every round. Built and run by scripts/step-kernels.
#include "CANNKernels.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

enum { MAX_LAYERS = 8, SAMPLES = 60000 };

typedef struct {
    int layers;             // dense layers
    int size[MAX_LAYERS + 1];
    int batch;
} shape;

typedef struct {
    float *W[MAX_LAYERS], *b[MAX_LAYERS], *V[MAX_LAYERS], *Vb[MAX_LAYERS], *db[MAX_LAYERS];
    float *dW[MAX_LAYERS];   // the weight gradient, when the step is not folded
    float *A[MAX_LAYERS + 1];   // A[0] the gathered input, A[l] layer l's output
    float *Z, *P, *dZ, *rowLoss, *deltaA, *deltaB, *dW3;
    int32_t *labels, *predictions;
    uint8_t *data;
    int32_t *order;
} step_buffers;

static uint64_t lcg(uint64_t *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 33;
}

static float *floats(size_t n, float scale, uint64_t *seed) {
    float *p = NULL;
    if (posix_memalign((void **)&p, 64, (n ? n : 1) * sizeof(float)) != 0) {
        fprintf(stderr, "step-kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = scale * ((float)(lcg(seed) % 2001) / 1000.0f - 1.0f);
    return p;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

// The time since *mark, which moves to now.
static double lap(double *mark) {
    double now = now_ns(), elapsed = now - *mark;
    *mark = now;
    return elapsed;
}

static int parse_layers(const char *text, shape *s) {
    int count = 0;
    const char *p = text;
    for (;;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v <= 0 || v > 1 << 16 || count > MAX_LAYERS) return 0;
        s->size[count++] = (int)v;
        if (*end == '\0') break;
        if (*end != ',') return 0;
        p = end + 1;   // a size must follow the comma
    }
    s->layers = count - 1;
    return count >= 2 && s->size[count - 1] >= 2;
}

// A whole decimal number in [low, high], else 0.
static int parse_count(const char *text, long low, long high, int *value) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < low || v > high) return 0;
    *value = (int)v;
    return 1;
}

static step_buffers allocate(const shape *s, int threads) {
    step_buffers m;
    memset(&m, 0, sizeof m);
    uint64_t seed = 1;
    int B = s->batch, widest = 0;
    for (int l = 0; l <= s->layers; l++) widest = s->size[l] > widest ? s->size[l] : widest;
    for (int l = 0; l < s->layers; l++) {
        size_t n = (size_t)s->size[l] * s->size[l + 1];
        m.W[l] = floats(n, 0.05f, &seed);
        m.V[l] = floats(n, 0.0f, &seed);
        m.dW[l] = s->batch > ann_dense_sgd_batch_limit() ? floats(n, 0.0f, &seed) : NULL;
        m.b[l] = floats((size_t)s->size[l + 1], 0.01f, &seed);
        m.Vb[l] = floats((size_t)s->size[l + 1], 0.0f, &seed);
        m.db[l] = floats((size_t)s->size[l + 1], 0.0f, &seed);
    }
    // The input has room for a copy per thread (see input_copies).
    for (int l = 0; l <= s->layers; l++)
        m.A[l] = floats((size_t)B * s->size[l] * (l == 0 ? (size_t)threads : 1), 0.0f, &seed);
    int classes = s->size[s->layers];
    m.Z = floats((size_t)B * classes, 0.0f, &seed);
    m.P = floats((size_t)B * classes, 0.0f, &seed);
    m.dZ = floats((size_t)B * classes, 0.0f, &seed);
    m.rowLoss = floats((size_t)B, 0.0f, &seed);
    m.deltaA = floats((size_t)B * widest, 0.0f, &seed);
    m.deltaB = floats((size_t)B * widest, 0.0f, &seed);
    m.dW3 = floats((size_t)classes * s->size[s->layers - 1], 0.0f, &seed);
    m.labels = malloc((size_t)B * sizeof(int32_t));
    m.predictions = malloc((size_t)B * sizeof(int32_t));
    size_t bytes = (size_t)SAMPLES * s->size[0];
    // On 2 MB pages where Linux offers them, as the trainer's data set is
    // (Sources/ANN/Memory/HugePages.swift).
    size_t huge = (size_t)2 << 20, rounded = (bytes + huge - 1) / huge * huge;
    if (posix_memalign((void **)&m.data, huge, rounded) != 0) m.data = NULL;
#ifdef __linux__
    if (m.data) madvise(m.data, rounded, MADV_HUGEPAGE);
#endif
    m.order = malloc(SAMPLES * sizeof(int32_t));
    if (!m.labels || !m.predictions || !m.data || !m.order) {
        fprintf(stderr, "step-kernels: out of memory\n");
        exit(1);
    }
    // Images are mostly dark: three bytes in four zero, the rest anything.
    for (size_t i = 0; i < bytes; i++) m.data[i] = lcg(&seed) % 4 == 0 ? (uint8_t)lcg(&seed) : 0;
    for (int i = 0; i < SAMPLES; i++) m.order[i] = i;
    for (int i = SAMPLES - 1; i > 0; i--) {
        int j = (int)(lcg(&seed) % (uint64_t)(i + 1));
        int32_t t = m.order[i];
        m.order[i] = m.order[j];
        m.order[j] = t;
    }
    return m;
}

// Timed phases: the gather, each hidden layer's forward pass, the output
// layer's step, each backward pass (last layer first), and what is left to
// the optimiser (the biases and the output layer's weights, and every
// hidden layer's weights past the fold's batch limit).
enum { MAX_PHASES = 2 * MAX_LAYERS + 2 };

// As the trainer (ShardWorkspace.inputCopies): a copy of the inputs per
// thread while one is at most 256 KB and the first layer is not the output's.
static int input_copies(const shape *s, int threads) {
    return threads > 1 && s->layers > 1 && (size_t)s->batch * s->size[0] * sizeof(float) <= 256 * 1024 ? threads : 1;
}

static int run_step(const shape *s, step_buffers *m, int first, int threads, double *t) {
    int B = s->batch, L = s->layers, classes = s->size[L], phase = 0;
    const float lr = 0.01f, momentum = 0.9f, scale = 1.0f / (float)B;
    for (int r = 0; r < B; r++) m->labels[r] = (int32_t)((first + r) % classes);
    int copies = input_copies(s, threads);
    size_t copyStride = copies > 1 ? (size_t)B * s->size[0] : 0;
    double start = now_ns(), mark = start;
    ann_gather_bytes(m->A[0], copies, copyStride, m->data, m->order + first, 0, B, (size_t)s->size[0], 1.0f / 255.0f,
                     threads);
    t[phase++] = lap(&mark);
    // As the trainer: with the step folded, the layers after the first take
    // the step their backward pass left (here every step, the first one of
    // a run included: the velocities start as data).
    int folded = B <= ann_dense_sgd_batch_limit();
    for (int l = 0; l < L - 1; l++) {
        if (folded && l > 0) {
            ann_dense_forward_stepped(m->A[l + 1], m->A[l], 0, m->W[l], m->V[l], lr, m->b[l], B, s->size[l],
                                      s->size[l + 1], ANN_RELU, threads);
        } else {
            ann_dense_forward(m->A[l + 1], m->A[l], l == 0 ? copyStride : 0, m->W[l], m->b[l], B, s->size[l],
                              s->size[l + 1], ANN_RELU, threads);
        }
        t[phase++] = lap(&mark);
    }
    float *delta = m->deltaA, *spare = m->deltaB;
    ann_softmax_output_step(m->Z, m->P, delta, m->rowLoss, m->predictions, L > 1 ? spare : NULL, m->dW3,
                            m->db[L - 1], m->A[L - 1], m->W[L - 1], m->b[L - 1], m->labels, B, s->size[L - 1],
                            classes, ANN_RELU, scale, threads);
    t[phase++] = lap(&mark);
    float *swap = delta;
    delta = spare;
    spare = swap;
    // As the trainer: the weights' step rides in the backward pass up to the
    // kernel's batch limit; beyond it the optimiser steps them afterwards.
    for (int l = L - 2; l >= 0; l--) {
        if (folded && l > 0) {
            ann_dense_backward_momentum(spare, m->V[l], m->db[l], delta, m->A[l], 0, m->W[l], B, s->size[l],
                                        s->size[l + 1], ANN_RELU, momentum, threads);
        } else if (folded) {
            ann_dense_backward_sgd(l > 0 ? spare : NULL, m->W[l], m->V[l], m->db[l], delta, m->A[l],
                                   l == 0 ? copyStride : 0, B, s->size[l], s->size[l + 1], ANN_RELU, momentum, lr,
                                   threads);
        } else {
            ann_dense_backward(l > 0 ? spare : NULL, m->dW[l], m->db[l], delta, m->A[l], l == 0 ? copyStride : 0,
                               m->W[l], B, s->size[l], s->size[l + 1], ANN_RELU, 0, threads);
        }
        t[phase++] = lap(&mark);
        swap = delta;
        delta = spare;
        spare = swap;
    }
    for (int l = 0; l < L; l++) {
        if (!folded && l < L - 1)
            ann_sgd_momentum_step(m->W[l], m->V[l], m->dW[l], (size_t)s->size[l] * s->size[l + 1], lr, momentum, 0,
                                  0, threads);
        ann_sgd_momentum_step(m->b[l], m->Vb[l], m->db[l], (size_t)s->size[l + 1], lr, momentum, 0, 0, threads);
    }
    ann_sgd_momentum_step(m->W[L - 1], m->V[L - 1], m->dW3, (size_t)classes * s->size[L - 1], lr, momentum, 0, 0,
                          threads);
    t[phase++] = lap(&mark);
    t[phase] = mark - start;
    return phase;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv) {
    shape s = {0};
    int threads = 2, steps = 400, rounds = 3;
    const char *layers = "784,256,128,10";
    s.batch = 64;
    const char *usage = "usage: step-kernels [--threads 2…1024] [--batch-size 1…60000] [--steps 1…100000] "
                        "[--rounds 1…100] [--layers 784,256,128,10]\n";
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (!strcmp(argv[i], "--threads")) ok = value && parse_count(value, 2, 1024, &threads);
        else if (!strcmp(argv[i], "--batch-size")) ok = value && parse_count(value, 1, SAMPLES, &s.batch);
        else if (!strcmp(argv[i], "--steps")) ok = value && parse_count(value, 1, 100000, &steps);
        else if (!strcmp(argv[i], "--rounds")) ok = value && parse_count(value, 1, 100, &rounds);
        else if (!strcmp(argv[i], "--layers")) ok = value != NULL, layers = value ? value : layers;
        else {
            fprintf(stderr, "step-kernels: unknown option '%s'\n%s", argv[i], usage);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "step-kernels: %s needs a value in the range below, got '%s'\n%s", argv[i],
                    value ? value : "nothing", usage);
            return 2;
        }
        i++;
    }
    if (!parse_layers(layers, &s) || s.layers > MAX_LAYERS) {
        fprintf(stderr, "step-kernels: --layers needs 2 to %d positive sizes, comma-separated, the last at least 2 (got '%s')\n",
                MAX_LAYERS + 1, layers);
        return 2;
    }
    // Steps × rounds timings per phase and thread count: cap what that costs.
    if ((long)steps * rounds > 200000) {
        fprintf(stderr, "step-kernels: --steps × --rounds is at most 200000 (got %d × %d)\n", steps, rounds);
        return 2;
    }

    step_buffers m = allocate(&s, threads);
    int phases = s.layers * 2 + 1;   // gather, L-1 forward, output step, L-1 backward, optimiser
    int samples = rounds * steps;
    double *times[2][MAX_PHASES + 1];
    for (int k = 0; k < 2; k++)
        for (int p = 0; p <= phases; p++) {
            times[k][p] = malloc((size_t)samples * sizeof(double));
            if (!times[k][p]) {
                fprintf(stderr, "step-kernels: out of memory\n");
                return 1;
            }
        }
    double t[MAX_PHASES + 1];
    int counts[2] = {0, 0}, stepsPerEpoch = SAMPLES / s.batch, cursor = 0;
    for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < 2; k++) {
            int team = (round % 2 == 0) == (k == 0) ? 1 : threads;
            int slot = team == 1 ? 0 : 1;
            // A few untimed steps first: the team forms, the caches fill.
            for (int i = -8; i < steps; i++) {
                int first = (cursor++ % stepsPerEpoch) * s.batch;
                run_step(&s, &m, first, team, t);
                if (i < 0) continue;
                for (int p = 0; p <= phases; p++) times[slot][p][counts[slot]] = t[p];
                counts[slot]++;
            }
        }
    }

    const char *names[MAX_PHASES + 1];
    char labels[MAX_PHASES + 1][48];
    int p = 0;
    names[p++] = "gather the inputs";
    int folded = s.batch <= ann_dense_sgd_batch_limit();
    for (int l = 0; l < s.layers - 1; l++) {
        snprintf(labels[p], sizeof labels[p], "%sforward %d→%d", folded && l > 0 ? "step+" : "", s.size[l],
                 s.size[l + 1]);
        names[p] = labels[p];
        p++;
    }
    snprintf(labels[p], sizeof labels[p], "output step %d→%d", s.size[s.layers - 1], s.size[s.layers]);
    names[p] = labels[p];
    p++;
    for (int l = s.layers - 2; l >= 0; l--) {
        snprintf(labels[p], sizeof labels[p], "backward%s %d→%d%s", !folded ? "" : l > 0 ? "+momentum" : "+SGD",
                 s.size[l], s.size[l + 1], l > 0 ? " (dX)" : "");
        names[p] = labels[p];
        p++;
    }
    names[p++] = folded ? "biases, output weights" : "optimiser, every parameter";
    names[p] = "whole step";

    double total1 = median(times[0][phases], counts[0]);
    printf("batch %d, layers %s, %d timed steps per thread count (%d rounds, alternating); median µs per step\n\n",
           s.batch, layers, counts[0], rounds);
    printf("| kernel | 1 thread µs | %d threads µs | speedup | share of the 1-thread step |\n|---|--:|--:|--:|--:|\n",
           threads);
    for (int q = 0; q <= phases; q++) {
        double one = median(times[0][q], counts[0]), many = median(times[1][q], counts[1]);
        printf("| %s | %.1f | %.1f | %.2f× | %.1f%% |\n", names[q], one / 1e3, many / 1e3, many > 0 ? one / many : 0,
               100.0 * one / total1);
    }
    printf("\nThe phases' medians need not add up to the whole step's.\n");
    return 0;
}
