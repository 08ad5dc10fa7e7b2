// Dense layers: Y = X·Wᵀ + b and its backward pass, register-tiled.
//
// Every output element is produced by exactly one tile with one fixed order
// of additions, and OpenMP only decides which thread runs which tile, so the
// results are bit-identical whatever `threads` is.
#include "CANNKernels.h"
#include "activation_math.h"
#include "output_rows.h"
#include "fp_mode.h"
#include "team.h"
#include "vector.h"

// 8-wide: 12 accumulators plus operands fit the 16 vector registers of AVX2.
// 16-wide: 24 accumulators in AVX-512's 32; the wider forward tile loads
// 10 vectors per 24 FMAs instead of 7 per 12.
enum { UPD_ROWS = 4, UPD_VECS = 3 };   // update tile: rows × (3 vectors)
// Rows of Bm per slice of an update product: a (3·16)-wide strip of 128 rows
// is 24 KB, half of a 48 KB L1.
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
typedef void (*update_worker)(float *, const float *, int, int, const float *, int, int, int, int, int, float,
                              const float *, int, float *, int, int);

// This thread's copy of a layer's input (see x_copy_stride in the header).
static const float *own_copy(const float *X, size_t x_copy_stride) {
    return X ? X + (size_t)omp_get_thread_num() * x_copy_stride : X;
}

// ann_dense_forward; given step_W (the same matrix as W), each thread first
// takes step_W -= lr·V on the rows of W its columns read. Those rows are its
// to step: no other thread reads them in this pass, so no barrier, and no
// line changes cores twice.
static void dense_forward(float *Y, const float *X, size_t x_copy_stride, const float *W, float *step_W,
                          const float *V, float lr, const float *b, int B, int in, int out, int activation,
                          int threads) {
    forward_worker work = wide_vectors() ? forward_columns_w16 : forward_columns_w8;
    // Even a one-thread OpenMP region allocates in libomp: skip it.
    if (threads <= 1) {
        if (step_W) ann_sgd_velocity_step(step_W, V, (size_t)out * in, lr, 1);
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
        if (step_W) ann_sgd_velocity_step(step_W + first * in, V + first * in, (last - first) * in, lr, 1);
        work(Y, own_copy(X, x_copy_stride), W, b, B, in, out, activation, (int)first, (int)last);
        ann_team_restore_fp_mode(ownMode, mode);
    }
}

void ann_dense_forward(float *Y, const float *X, size_t x_copy_stride, const float *W, const float *b,
                       int B, int in, int out, int activation, int threads) {
    dense_forward(Y, X, x_copy_stride, W, 0, 0, 0.0f, b, B, in, out, activation, threads);
}

void ann_dense_forward_stepped(float *Y, const float *X, size_t x_copy_stride, float *W, const float *V, float lr,
                               const float *b, int B, int in, int out, int activation, int threads) {
    dense_forward(Y, X, x_copy_stride, W, W, V, lr, b, B, in, out, activation, threads);
}

// One product C (M, N) (=|+=) Σ_p A(p, ·)ᵀ Bm[p, ·] with its epilogues,
// described so that both of a layer's products can share one OpenMP region.
typedef struct {
    float *C;
    const float *A;
    int sap, sai;
    const float *Bm;
    // C, Bm and gate rows are ld floats apart (ld > N: a range of columns).
    int M, N, ld, P, accumulate;
    float decay;
    const float *gate;
    int gateKind;
    float *rowSums;
} rank_update;

// A product's tile grid: column strips of stripWidth, row blocks of UPD_ROWS.
static size_t strip_count(const rank_update *u, int stripWidth) { return (size_t)((u->N + stripWidth - 1) / stripWidth); }
static size_t row_block_count(const rank_update *u) { return (size_t)((u->M + UPD_ROWS - 1) / UPD_ROWS); }

static int update_tile_count(const rank_update *u, int stripWidth) {
    return (int)(strip_count(u, stripWidth) * row_block_count(u));
}

// This thread's run of a product's tiles (numbered row-major, see
// update_tiles): a band of whole row blocks when there are at least as many
// row blocks as threads, else an equal run of tiles. A band of dW's rows is
// then computed, stepped (in the same region by ann_dense_backward_sgd, at
// the start of the next forward pass by ann_dense_forward_stepped, else by
// the optimiser, which splits the parameter block evenly) and read by the
// next forward pass (which splits the columns evenly) on one thread: exactly
// so for the default network on 2 threads, to within a row block elsewhere.
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
    work(u->C, u->A, u->sap, u->sai, u->Bm, u->M, u->N, u->ld, u->P, u->accumulate, u->decay, u->gate, u->gateKind,
         u->rowSums, (int)first, (int)last);
}

// The rows of dW this thread's band covers, [*first, *last): set when the
// band is whole row blocks (band_share), else the thread has no rows to itself.
static int band_rows(const rank_update *u, int stripWidth, size_t firstTile, size_t lastTile,
                     size_t *first, size_t *last) {
    size_t strips = strip_count(u, stripWidth);
    if (strips == 0 || row_block_count(u) < (size_t)omp_get_num_threads()) return 0;
    *first = firstTile / strips * UPD_ROWS;
    *last = lastTile / strips * UPD_ROWS < (size_t)u->M ? lastTile / strips * UPD_ROWS : (size_t)u->M;
    return 1;
}

// ann_dense_backward, with dW (=|+=) or, given a decay, dW = decay·dW + the
// product; given step_W, then step_W -= lr·dW (dW being a velocity).
static void dense_backward(float *dX, float *dW, float *db, const float *dY,
                           const float *X, size_t x_copy_stride, const float *W, int B, int in, int out,
                           int input_activation, int accumulate, float decay,
                           float *step_W, float lr, int threads) {
    // No inputs, no tiles: the bias sums ride with the tiles, so do them here.
    if (in == 0) {
        for (int o = 0; o < out; o++) {
            float sum = accumulate ? db[o] : 0.0f;
            for (int r = 0; r < B; r++) sum += dY[(size_t)r * out + o];
            db[o] = sum;
        }
        return;
    }
    // dW[o, k] = Σ_b dY[b, o]·X[b, k]:  A(p=b, i=o) = dY[b·out + o]; db[o] = Σ_b A(b, o).
    rank_update weights = {dW, dY, out, 1, X, out, in, in, B, accumulate, decay, 0, ANN_IDENTITY, db};
    // dX[b, k] = Σ_o dY[b, o]·W[o, k]:  A(p=o, i=b) = dY[b·out + o], then ⊙ g'(X).
    rank_update inputs = {dX, dY, 1, out, W, B, in, in, out, 0, 0.0f, X, input_activation, 0};
    int wide = wide_vectors(), vectorWidth = wide ? 16 : 8;
    update_worker work = wide ? update_tiles_w16 : update_tiles_w8;
    int stripWidth = vectorWidth * UPD_VECS;
    size_t weightTiles = (size_t)update_tile_count(&weights, stripWidth);
    size_t inputTiles = dX ? (size_t)update_tile_count(&inputs, stripWidth) : 0;
    size_t weightCount = (size_t)out * in;
    if (threads <= 1) {
        run_tiles(work, &weights, 0, weightTiles);
        if (dX) run_tiles(work, &inputs, 0, inputTiles);
        if (step_W) ann_sgd_velocity_step(step_W, dW, weightCount, lr, 1);
        return;
    }
    // One region for both products (they are independent: no barrier between)
    // and the weights' step.
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        // Both products read X (dX for its activation slope): this thread's copy.
        rank_update ownWeights = weights, ownInputs = inputs;
        ownWeights.Bm = ownInputs.gate = own_copy(X, x_copy_stride);
        size_t first, last;
        band_share(&ownWeights, stripWidth, &first, &last);
        run_tiles(work, &ownWeights, first, last);
        size_t rowFirst = 0, rowLast = 0;
        int ownRows = step_W && band_rows(&ownWeights, stripWidth, first, last, &rowFirst, &rowLast);
        if (dX) {
            // dX = dY·W split by rows, every thread would read all of W,
            // including the rows other threads step right after (a cache line
            // read by two cores costs its writer a round trip); split by
            // columns, only its columns of those rows, and the next layer's dW
            // band (its rows are these columns) then finds its dY in this
            // thread's cache. Every thread reads all of dY instead, B·out
            // floats against W's out·in: worth it while the batch is narrower
            // than the input, which column_part checks.
            rank_update part;
            if (column_part(&ownInputs, vectorWidth, &part)) {
                run_tiles(work, &part, 0, (size_t)update_tile_count(&part, stripWidth));
            } else {
                band_share(&ownInputs, stripWidth, &first, &last);
                run_tiles(work, &ownInputs, first, last);
            }
        }
        if (step_W) {
            // dX reads every row of the old W, and a band of tiles narrower
            // than a row block shares its rows: then all must be done first.
            if (dX || !ownRows) {
                #pragma omp barrier
            }
            // Each thread steps the rows it just folded, while they are in its cache.
            if (ownRows) {
                ann_sgd_velocity_step(step_W + rowFirst * in, dW + rowFirst * in, (rowLast - rowFirst) * in, lr, 1);
            } else {
                size_t begin, end;
                ann_team_share(weightCount, &begin, &end);
                ann_sgd_velocity_step(step_W + begin, dW + begin, end - begin, lr, 1);
            }
        }
        ann_team_restore_fp_mode(ownMode, mode);
    }
}

void ann_dense_backward(float *dX, float *dW, float *db, const float *dY,
                        const float *X, size_t x_copy_stride, const float *W, int B, int in, int out,
                        int input_activation, int accumulate, int threads) {
    dense_backward(dX, dW, db, dY, X, x_copy_stride, W, B, in, out, input_activation, accumulate, 0.0f, 0, 0.0f,
                   threads);
}

int ann_dense_sgd_batch_limit(void) { return UPD_DEPTH; }

void ann_dense_backward_momentum(float *dX, float *V, float *db, const float *dY,
                                 const float *X, size_t x_copy_stride, const float *W, int B, int in, int out,
                                 int input_activation, float momentum, int threads) {
    dense_backward(dX, V, db, dY, X, x_copy_stride, W, B, in, out, input_activation, 0, momentum, 0, 0.0f, threads);
}

void ann_dense_backward_sgd(float *dX, float *W, float *V, float *db, const float *dY,
                            const float *X, size_t x_copy_stride, int B, int in, int out, int input_activation,
                            float momentum, float lr, int threads) {
    dense_backward(dX, V, db, dY, X, x_copy_stride, W, B, in, out, input_activation, 0, momentum, W, lr, threads);
}

// This thread's run of rows: whole row blocks of UPD_ROWS, so that its dX
// tiles are the very tiles a one-thread pass makes.
static void row_block_share(int B, int *first, int *last) {
    size_t begin, end;
    ann_team_share((size_t)(B + UPD_ROWS - 1) / UPD_ROWS, &begin, &end);
    *first = (int)begin * UPD_ROWS;
    *last = (int)end * UPD_ROWS < B ? (int)end * UPD_ROWS : B;
}

// The row-wise part of the output step for rows [first, last): everything
// up to the logit gradient, and dX, which needs only these rows' gradient.
static void output_rows(forward_worker forward, update_worker update, const rank_update *inputs, int stripWidth,
                        float *Z, float *P, float *dZ, float *row_loss, int32_t *predictions,
                        const float *X, const float *W, const float *b, const int32_t *labels,
                        int in, int classes, float grad_scale, int first, int last) {
    int rows = last - first;
    if (rows <= 0) return;
    size_t zOffset = (size_t)first * classes;
    forward(Z + zOffset, X + (size_t)first * in, W, b, rows, in, classes, ANN_IDENTITY, 0, classes);
    ann_softmax_cross_entropy_rows(P + zOffset, dZ + zOffset, row_loss + first, Z + zOffset, labels + first,
                                   rows, classes, grad_scale);
    ann_argmax_rows(predictions + first, P + zOffset, rows, classes);
    if (inputs->C) {
        size_t strips = strip_count(inputs, stripWidth);
        run_tiles(update, inputs, (size_t)(first / UPD_ROWS) * strips,
                  (size_t)((last + UPD_ROWS - 1) / UPD_ROWS) * strips);
    }
}

void ann_softmax_output_step(float *Z, float *P, float *dZ, float *row_loss, int32_t *predictions,
                             float *dX, float *dW, float *db,
                             const float *X, const float *W, const float *b, const int32_t *labels,
                             int B, int in, int classes, int input_activation, float grad_scale,
                             int threads) {
    int wide = wide_vectors();
    forward_worker forward = wide ? forward_columns_w16 : forward_columns_w8;
    update_worker update = wide ? update_tiles_w16 : update_tiles_w8;
    int stripWidth = (wide ? 16 : 8) * UPD_VECS;
    // The same two products as ann_dense_backward, with dZ as dY.
    rank_update weights = {dW, dZ, classes, 1, X, classes, in, in, B, 0, 0.0f, 0, ANN_IDENTITY, db};
    rank_update inputs = {dX, dZ, 1, classes, W, B, in, in, classes, 0, 0.0f, X, input_activation, 0};
    if (threads <= 1) {
        output_rows(forward, update, &inputs, stripWidth, Z, P, dZ, row_loss, predictions, X, W, b, labels,
                    in, classes, grad_scale, 0, B);
        run_tiles(update, &weights, 0, (size_t)update_tile_count(&weights, stripWidth));
        return;
    }
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        int first, last;
        row_block_share(B, &first, &last);
        output_rows(forward, update, &inputs, stripWidth, Z, P, dZ, row_loss, predictions, X, W, b, labels,
                    in, classes, grad_scale, first, last);
        // dW sums over every row's gradient.
        #pragma omp barrier
        // A few classes make a few row blocks (10: three, split 1:2 on two
        // threads); split by columns the shares are even, and each thread's
        // columns of X are the ones it computed in the previous layer's
        // forward pass, which splits its outputs the same way (to within a
        // vector).
        rank_update part;
        if (column_part(&weights, stripWidth / UPD_VECS, &part)) {
            run_tiles(update, &part, 0, (size_t)update_tile_count(&part, stripWidth));
        } else {
            size_t tileFirst, tileLast;
            band_share(&weights, stripWidth, &tileFirst, &tileLast);
            run_tiles(update, &weights, tileFirst, tileLast);
        }
        ann_team_restore_fp_mode(ownMode, mode);
    }
}
