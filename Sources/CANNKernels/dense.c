// Dense layers: Y = X·Wᵀ + b and its backward pass, register-tiled.
//
// Every output element is produced by exactly one tile with one fixed order
// of additions, and OpenMP only decides which thread runs which tile, so the
// results are bit-identical whatever `threads` is.
#include "CANNKernels.h"
#include "activation_math.h"
#include "fp_mode.h"
#include "team.h"
#include "vector.h"

// 8-wide: 12 accumulators plus operands fit the 16 vector registers of AVX2.
// 16-wide: 24 accumulators in AVX-512's 32; the wider forward tile loads
// 10 vectors per 24 FMAs instead of 7 per 12.
enum { UPD_ROWS = 4, UPD_VECS = 3 };   // update tile: rows × (3 vectors)
// Rows of Bm per slice of an update product (a large batch): a (3·16)-wide
// strip of 128 rows is 24 KB, half of a 48 KB L1.
enum { UPD_DEPTH = 128 };
// Rows of X per forward panel: 64 rows of a 784-wide input are 200 KB, which
// stay in a 1 MB L2 while every column block of W passes over them.
enum { FORWARD_PANEL = 64 };

// 8 floats a vector: baseline x86-64, AVX2 (as clones), arm64.
#define VW 8
#define FR 4
#define FC 3
#define VEC ann_vf8
#define VLOAD ann_load8
#define VSTORE ann_store8
#define VSPLAT ann_splat8
#define VHSUM ann_hsum8
#define VHSUM_BATCH ann_hsum8_x8
#define NAME(f) f##_w8
#define WORKER ANN_MULTIVERSION
#include "dense_tiles.h"
#undef VW
#undef FR
#undef FC
#undef VEC
#undef VLOAD
#undef VSTORE
#undef VSPLAT
#undef VHSUM
#undef VHSUM_BATCH
#undef NAME
#undef WORKER

#if ANN_HAS_WIDE_PATH
// 16 floats a vector for AVX-512 machines: twice the work per instruction
// where the FMA units are 512 bits wide, and 32 registers for the tiles.
#define VW 16
#define FR 4
#define FC 6
#define VEC ann_vf16
#define VLOAD ann_load16
#define VSTORE ann_store16
#define VSPLAT ann_splat16
#define VHSUM ann_hsum16
#define VHSUM_BATCH ann_hsum16_x16
#define NAME(f) f##_w16
#define WORKER __attribute__((target("arch=x86-64-v4")))
#include "dense_tiles.h"

static int wide_vectors(void) { return __builtin_cpu_supports("x86-64-v4"); }
#else
static int wide_vectors(void) { return 0; }
#define forward_columns_w16 forward_columns_w8
#define update_tiles_w16 update_tiles_w8
#endif

int ann_dense_vector_width(void) { return wide_vectors() ? 16 : 8; }

typedef void (*forward_worker)(float *, const float *, const float *, const float *, int, int, int, int, int, int);
typedef void (*update_worker)(float *, const float *, int, int, const float *, int, int, int, int, const float *, int,
                              float *, int, int);

void ann_dense_forward(float *Y, const float *X, const float *W, const float *b,
                       int B, int in, int out, int activation, int threads) {
    forward_worker work = wide_vectors() ? forward_columns_w16 : forward_columns_w8;
    // Even a one-thread OpenMP region allocates in libomp: skip it.
    if (threads <= 1) {
        work(Y, X, W, b, B, in, out, activation, 0, out);
        return;
    }
    // Parallel over output columns: each thread reuses its W rows across the
    // batch, and even shares of columns (the odd-width block at the end of
    // each) balance better than shares of whole blocks.
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        size_t first, last;
        ann_team_share((size_t)out, &first, &last);
        work(Y, X, W, b, B, in, out, activation, (int)first, (int)last);
        ann_team_restore_fp_mode(ownMode, mode);
    }
}

// One product C (M, N) = Σ_p A(p, ·)ᵀ Bm[p, ·] with its epilogues, described
// so that both of a layer's products can share one OpenMP region.
typedef struct {
    float *C;
    const float *A;
    int sap, sai;      // A(p, i) = A[p·sap + i·sai]
    const float *Bm;
    int M, N, ld, P;   // C, Bm and gate rows are ld floats apart (ld > N: a range of columns)
    const float *gate; // C ⊙= g'(gate), g the activation gateKind
    int gateKind;
    float *rowSums;    // rowSums[i] = Σ_p A(p, i)
} rank_update;

// A product's tile grid: column strips of stripWidth, row blocks of UPD_ROWS.
static size_t strip_count(const rank_update *u, int stripWidth) { return (size_t)((u->N + stripWidth - 1) / stripWidth); }
static size_t row_block_count(const rank_update *u) { return (size_t)((u->M + UPD_ROWS - 1) / UPD_ROWS); }

static int update_tile_count(const rank_update *u, int stripWidth) {
    return (int)(strip_count(u, stripWidth) * row_block_count(u));
}

// This thread's run of a product's tiles (numbered row-major, see
// update_tiles): a band of whole row blocks when there are at least as many
// row blocks as threads, so that a thread writes whole rows of dW, else an
// equal run of tiles.
static void band_share(const rank_update *u, int stripWidth, size_t *first, size_t *last) {
    size_t strips = strip_count(u, stripWidth), blocks = row_block_count(u);
    if (blocks >= (size_t)omp_get_num_threads()) {
        ann_team_share(blocks, first, last);
        *first *= strips;
        *last *= strips;
    } else {
        ann_team_share(blocks * strips, first, last);
    }
}

// This thread's share of a product as a product of its own: a range of
// columns, whole vectors of `vectorWidth` (no bit changes: see update_tiles),
// the bias sums (rowSums) left to the thread whose range starts at column 0.
// Returns 0 when the product has no more columns than rows, or fewer vectors
// than threads: then bands of rows (band_share) balance as well.
static int column_part(const rank_update *u, int vectorWidth, rank_update *part) {
    size_t vectors = (size_t)((u->N + vectorWidth - 1) / vectorWidth);
    if (u->M >= u->N || vectors < (size_t)omp_get_num_threads()) return 0;
    size_t first, last;
    ann_team_share(vectors, &first, &last);
    size_t begin = first * (size_t)vectorWidth;
    size_t end = last * (size_t)vectorWidth < (size_t)u->N ? last * (size_t)vectorWidth : (size_t)u->N;
    *part = *u;
    part->C += begin;
    part->Bm += begin;
    if (part->gate) part->gate += begin;
    if (begin > 0) part->rowSums = 0;
    part->N = (int)(end - begin);
    return 1;
}

static void run_tiles(update_worker work, const rank_update *u, size_t first, size_t last) {
    work(u->C, u->A, u->sap, u->sai, u->Bm, u->M, u->N, u->ld, u->P, u->gate, u->gateKind, u->rowSums, (int)first,
         (int)last);
}

void ann_dense_backward(float *dX, float *dW, float *db, const float *dY,
                        const float *X, const float *W, int B, int in, int out,
                        int input_activation, int threads) {
    // No inputs, no tiles: the bias sums ride with the tiles, so do them here.
    if (in == 0) {
        // Row by row, so that the adds run along contiguous rows and
        // vectorize; each db[o] still adds its rows in order from zero.
        for (int o = 0; o < out; o++) db[o] = 0.0f;
        for (int r = 0; r < B; r++) {
            const float *row = dY + (size_t)r * out;
            for (int o = 0; o < out; o++) db[o] += row[o];
        }
        return;
    }
    // dW[o, k] = Σ_b dY[b, o]·X[b, k]:  A(p=b, i=o) = dY[b·out + o]; db[o] = Σ_b A(b, o).
    rank_update weights = {
        .C = dW, .A = dY, .sap = out, .sai = 1, .Bm = X,
        .M = out, .N = in, .ld = in, .P = B, .gateKind = ANN_IDENTITY, .rowSums = db,
    };
    // dX[b, k] = Σ_o dY[b, o]·W[o, k]:  A(p=o, i=b) = dY[b·out + o], then ⊙ g'(X).
    rank_update inputs = {
        .C = dX, .A = dY, .sap = 1, .sai = out, .Bm = W,
        .M = B, .N = in, .ld = in, .P = out, .gate = X, .gateKind = input_activation,
    };
    int wide = wide_vectors(), vectorWidth = wide ? 16 : 8;
    update_worker work = wide ? update_tiles_w16 : update_tiles_w8;
    int stripWidth = vectorWidth * UPD_VECS;
    if (threads <= 1) {
        run_tiles(work, &weights, 0, (size_t)update_tile_count(&weights, stripWidth));
        if (dX) run_tiles(work, &inputs, 0, (size_t)update_tile_count(&inputs, stripWidth));
        return;
    }
    // One region for both products: they are independent, so no barrier between.
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        size_t first, last;
        band_share(&weights, stripWidth, &first, &last);
        run_tiles(work, &weights, first, last);
        if (dX) {
            // dX = dY·W split by columns, each thread reads only its columns
            // of W, and the previous layer's dW band (its rows are these
            // columns) then finds its dY in this thread's cache. Every thread
            // reads all of dY instead, B·out floats against W's out·in: worth
            // it while the batch is narrower than the input, which
            // column_part checks.
            rank_update part;
            if (column_part(&inputs, vectorWidth, &part)) {
                run_tiles(work, &part, 0, (size_t)update_tile_count(&part, stripWidth));
            } else {
                band_share(&inputs, stripWidth, &first, &last);
                run_tiles(work, &inputs, first, last);
            }
        }
        ann_team_restore_fp_mode(ownMode, mode);
    }
}
