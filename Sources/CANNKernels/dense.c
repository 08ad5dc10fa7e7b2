// Dense layers: Y = X·Wᵀ + b and its backward pass, register-tiled.
//
// Every output element is produced by exactly one tile with one fixed order
// of additions, and OpenMP only decides which thread runs which tile, so the
// results are bit-identical whatever `threads` is.
#include "CANNKernels.h"
#include "activation_math.h"
#include "vector.h"

// 12 accumulators plus operands fit the 16 vector registers of AVX2.
enum { FWD_ROWS = 4, FWD_COLS = 3 };   // forward tile: X rows × W rows
enum { UPD_ROWS = 4, UPD_VECS = 3 };   // update tile: rows × (3·8 floats)

// Forward tile: Y[r, c] = X[r,:]·W[c,:] + b[c] for MR rows of X, NR rows of W.
// Dot-product form because both operands run contiguously along `in`.
ANN_INLINE void dot_tile(float *Y, int ldy, const float *X, const float *W,
                         const float *b, int in, int MR, int NR) {
    ann_vf8 acc[FWD_ROWS][FWD_COLS];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NR; c++) acc[r][c] = ann_splat8(0.0f);
    int k = 0;
    for (; k + 8 <= in; k += 8) {
        ann_vf8 x[FWD_ROWS], w[FWD_COLS];
        for (int r = 0; r < MR; r++) x[r] = ann_load8(X + (size_t)r * in + k);
        for (int c = 0; c < NR; c++) w[c] = ann_load8(W + (size_t)c * in + k);
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++) acc[r][c] += x[r] * w[c];
    }
    for (int r = 0; r < MR; r++) {
        for (int c = 0; c < NR; c++) {
            float s = ann_hsum8(acc[r][c]);
            for (int t = k; t < in; t++) s += X[(size_t)r * in + t] * W[(size_t)c * in + t];
            Y[(size_t)r * ldy + c] = s + (b ? b[c] : 0.0f);
        }
    }
}

// Dispatches to tiles with compile-time sizes so the accumulators stay in registers.
ANN_INLINE void dot_block(float *Y, int ldy, const float *X, const float *W,
                          const float *b, int in, int MR, int NR) {
    if (MR == FWD_ROWS && NR == FWD_COLS) dot_tile(Y, ldy, X, W, b, in, FWD_ROWS, FWD_COLS);
    else if (MR == FWD_ROWS) {
        for (int c = 0; c < NR; c++) dot_tile(Y + c, ldy, X, W + (size_t)c * in, b ? b + c : 0, in, FWD_ROWS, 1);
    } else {
        for (int r = 0; r < MR; r++) {
            if (NR == FWD_COLS) dot_tile(Y + (size_t)r * ldy, ldy, X + (size_t)r * in, W, b, in, 1, FWD_COLS);
            else
                for (int c = 0; c < NR; c++)
                    dot_tile(Y + (size_t)r * ldy + c, ldy, X + (size_t)r * in, W + (size_t)c * in, b ? b + c : 0, in, 1, 1);
        }
    }
}

// One column block of Y down the whole batch. OpenMP outlines the parallel
// loop's body into a function without the clone's target, so the vector work
// lives in this separately multiversioned worker.
// The activation runs on each row block right after its tile is stored,
// while it is still in L1, instead of in a separate pass over Y.
ANN_MULTIVERSION
static void forward_column_block(float *Y, const float *X, const float *W, const float *b,
                                 int B, int in, int out, int activation, int c0) {
    int NR = out - c0 < FWD_COLS ? out - c0 : FWD_COLS;
    for (int r0 = 0; r0 < B; r0 += FWD_ROWS) {
        int MR = B - r0 < FWD_ROWS ? B - r0 : FWD_ROWS;
        float *tile = Y + (size_t)r0 * out + c0;
        dot_block(tile, out, X + (size_t)r0 * in, W + (size_t)c0 * in, b ? b + c0 : 0, in, MR, NR);
        if (activation != ANN_IDENTITY)
            for (int r = 0; r < MR; r++)
                for (int c = 0; c < NR; c++) tile[(size_t)r * out + c] = ann_activate(activation, tile[(size_t)r * out + c]);
    }
}

void ann_dense_forward(float *Y, const float *X, const float *W, const float *b,
                       int B, int in, int out, int activation, int threads) {
    int colBlocks = (out + FWD_COLS - 1) / FWD_COLS;
    // Parallel over output columns: each thread reuses its W rows across the batch.
    #pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (int cb = 0; cb < colBlocks; cb++)
        forward_column_block(Y, X, W, b, B, in, out, activation, cb * FWD_COLS);
}

// Update tile: C[i, j..j+8V) (=|+=) Σ_p A(p, i)·Bm[p, j..j+8V) for MR rows i,
// with A(p, i) = A[p·sap + i·sai] so one kernel serves dW = dYᵀ·X and dX = dY·W.
ANN_INLINE void update_tile(float *C, int ldc, const float *A, int sap, int sai,
                            const float *Bm, int ldb, int P, int accumulate,
                            int MR, int V) {
    ann_vf8 acc[UPD_ROWS][UPD_VECS];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < V; v++)
            acc[i][v] = accumulate ? ann_load8(C + (size_t)i * ldc + 8 * v) : ann_splat8(0.0f);
    for (int p = 0; p < P; p++) {
        ann_vf8 bv[UPD_VECS];
        for (int v = 0; v < V; v++) bv[v] = ann_load8(Bm + (size_t)p * ldb + 8 * v);
        for (int i = 0; i < MR; i++) {
            ann_vf8 a = ann_splat8(A[(size_t)p * sap + (size_t)i * sai]);
            for (int v = 0; v < V; v++) acc[i][v] += a * bv[v];
        }
    }
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < V; v++) ann_store8(C + (size_t)i * ldc + 8 * v, acc[i][v]);
}

// Columns left over after the 8-wide vectors, one scalar at a time.
ANN_INLINE void update_scalar_columns(float *C, int ldc, const float *A, int sap, int sai,
                                      const float *Bm, int ldb, int P, int accumulate,
                                      int MR, int width) {
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < width; j++) {
            float s = accumulate ? C[(size_t)i * ldc + j] : 0.0f;
            for (int p = 0; p < P; p++) s += A[(size_t)p * sap + (size_t)i * sai] * Bm[(size_t)p * ldb + j];
            C[(size_t)i * ldc + j] = s;
        }
}

ANN_INLINE void update_block(float *C, int ldc, const float *A, int sap, int sai,
                             const float *Bm, int ldb, int P, int accumulate,
                             int MR, int width) {
    int vecs = width / 8;
    if (MR == UPD_ROWS) {
        if (vecs == 3) update_tile(C, ldc, A, sap, sai, Bm, ldb, P, accumulate, 4, 3);
        else if (vecs == 2) update_tile(C, ldc, A, sap, sai, Bm, ldb, P, accumulate, 4, 2);
        else if (vecs == 1) update_tile(C, ldc, A, sap, sai, Bm, ldb, P, accumulate, 4, 1);
    } else {
        for (int i = 0; i < MR; i++) {
            float *Ci = C + (size_t)i * ldc;
            const float *Ai = A + (size_t)i * sai;
            if (vecs == 3) update_tile(Ci, ldc, Ai, sap, sai, Bm, ldb, P, accumulate, 1, 3);
            else if (vecs == 2) update_tile(Ci, ldc, Ai, sap, sai, Bm, ldb, P, accumulate, 1, 2);
            else if (vecs == 1) update_tile(Ci, ldc, Ai, sap, sai, Bm, ldb, P, accumulate, 1, 1);
        }
    }
    if (width % 8)
        update_scalar_columns(C + 8 * vecs, ldc, A, sap, sai, Bm + 8 * vecs, ldb, P, accumulate,
                              MR, width % 8);
}

enum { UPD_WIDTH = 8 * UPD_VECS };

// Tiles [first, last) of C in strip-major order (all row blocks of one
// 24-wide column strip, then the next), so a thread's P×24 strip of Bm stays
// in L1 across its row blocks. Multiversioned on its own for the reason
// forward_column_block is.
// Two optional epilogues ride along while a tile is hot:
// - gate: C[i, j] *= g'(gate[i, j]) (the input gradient through the previous
//   layer's activation);
// - rowSums: with the tiles of the first strip, rowSums[i] (=|+=) Σ_p A(p, i)
//   (the bias gradient, each row summed by exactly one tile).
ANN_MULTIVERSION
static void update_tiles(float *C, const float *A, int sap, int sai, const float *Bm,
                         int M, int N, int P, int accumulate, const float *gate, int gateKind,
                         float *rowSums, int first, int last) {
    int rowBlocks = (M + UPD_ROWS - 1) / UPD_ROWS;
    for (int t = first; t < last; t++) {
        int j0 = (t / rowBlocks) * UPD_WIDTH, i0 = (t % rowBlocks) * UPD_ROWS;
        int width = N - j0 < UPD_WIDTH ? N - j0 : UPD_WIDTH;
        int MR = M - i0 < UPD_ROWS ? M - i0 : UPD_ROWS;
        float *tile = C + (size_t)i0 * N + j0;
        update_block(tile, N, A + (size_t)i0 * sai, sap, sai, Bm + j0, N, P, accumulate, MR, width);
        if (gate && gateKind != ANN_IDENTITY) {
            const float *g = gate + (size_t)i0 * N + j0;
            for (int i = 0; i < MR; i++)
                for (int j = 0; j < width; j++)
                    tile[(size_t)i * N + j] *= ann_activation_slope(gateKind, g[(size_t)i * N + j]);
        }
        if (rowSums && j0 == 0)
            for (int i = i0; i < i0 + MR; i++) {
                float sum = accumulate ? rowSums[i] : 0.0f;
                for (int p = 0; p < P; p++) sum += A[(size_t)p * sap + (size_t)i * sai];
                rowSums[i] = sum;
            }
    }
}

// C (M, N) (=|+=) Σ_p A(p, ·)ᵀ Bm[p, ·]. Threads take equal runs of tiles,
// not of strips: 33 strips over 2 threads would leave one idle 1/33 of the time.
static void rank_update(float *C, const float *A, int sap, int sai, const float *Bm,
                        int M, int N, int P, int accumulate, const float *gate, int gateKind,
                        float *rowSums, int threads) {
    int tiles = ((N + UPD_WIDTH - 1) / UPD_WIDTH) * ((M + UPD_ROWS - 1) / UPD_ROWS);
    if (threads <= 1) {
        update_tiles(C, A, sap, sai, Bm, M, N, P, accumulate, gate, gateKind, rowSums, 0, tiles);
        return;
    }
    #pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; t++)
        update_tiles(C, A, sap, sai, Bm, M, N, P, accumulate, gate, gateKind, rowSums,
                     (int)((long)tiles * t / threads), (int)((long)tiles * (t + 1) / threads));
}

void ann_dense_backward(float *dX, float *dW, float *db, const float *dY,
                        const float *X, const float *W, int B, int in, int out,
                        int input_activation, int accumulate, int threads) {
    // dW[o, k] = Σ_b dY[b, o]·X[b, k]:  A(p=b, i=o) = dY[b·out + o]; db[o] = Σ_b A(b, o).
    rank_update(dW, dY, out, 1, X, out, in, B, accumulate, 0, ANN_IDENTITY, db, threads);
    // dX[b, k] = Σ_o dY[b, o]·W[o, k]:  A(p=o, i=b) = dY[b·out + o], then ⊙ g'(X).
    if (dX) rank_update(dX, dY, 1, out, W, B, in, out, 0, X, input_activation, 0, threads);
}
