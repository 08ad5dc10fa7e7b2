// Internal: the register-tiled dense-layer loops, written once for any
// vector width. dense.c includes this once per width with these defined:
//   VW, VEC, VLOAD, VSTORE, VSPLAT, VHSUM  the vector width, type and operations;
//   VHSUM_BATCH                             VHSUM of VW vectors at once, bit for bit;
//   FR, FC                                  the forward tile: X rows × W rows;
//   NAME(f)                                 a per-width name for each function;
//   WORKER                                  the target attribute of the two entry points.
// Entry points: NAME(forward_columns) and NAME(update_tiles).

// Forward tile: Y[r, c] = X[r,:]·W[c,:] + b[c] for MR rows of X, NR rows of W.
// Dot-product form because both operands run contiguously along `in`.
ANN_INLINE void NAME(dot_tile)(float *Y, int ldy, const float *X, const float *W,
                         const float *b, int in, int MR, int NR) {
    VEC acc[FR][FC];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NR; c++) acc[r][c] = VSPLAT(0.0f);
    int k = 0;
    for (; k + VW <= in; k += VW) {
        VEC x[FR], w[FC];
        for (int r = 0; r < MR; r++) x[r] = VLOAD(X + (size_t)r * in + k);
        for (int c = 0; c < NR; c++) w[c] = VLOAD(W + (size_t)c * in + k);
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++) acc[r][c] += x[r] * w[c];
    }
    // The horizontal sums, VW vectors at a time (the last batch padded with
    // zeros, whose sums are dropped): one tree per vector would cost a third
    // of a short dot product.
    float sums[FR * FC];
    if (MR * NR > 2) {
        VEC all[((FR * FC + VW - 1) / VW) * VW];
        int n = 0;
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++) all[n++] = acc[r][c];
        float batch[VW];
        for (int first = 0; first < n; first += VW) {
            for (int i = n; i < first + VW; i++) all[i] = VSPLAT(0.0f);
            VHSUM_BATCH(all + first, batch);
            for (int i = first; i < n && i < first + VW; i++) sums[i] = batch[i - first];
        }
    } else {
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++) sums[r * NR + c] = VHSUM(acc[r][c]);
    }
    for (int r = 0; r < MR; r++) {
        for (int c = 0; c < NR; c++) {
            float s = sums[r * NR + c];
            for (int t = k; t < in; t++) s += X[(size_t)r * in + t] * W[(size_t)c * in + t];
            Y[(size_t)r * ldy + c] = s + (b ? b[c] : 0.0f);
        }
    }
}

// A block narrower than FC columns (the last of a share) gets a tile of its
// own width, not 1-wide ones.
ANN_INLINE void NAME(dot_narrow)(float *Y, int ldy, const float *X, const float *W,
                           const float *b, int in, int MR, int NR) {
    switch (NR) {
#if FC > 5
    case 5: NAME(dot_tile)(Y, ldy, X, W, b, in, MR, 5); break;
    case 4: NAME(dot_tile)(Y, ldy, X, W, b, in, MR, 4); break;
#endif
#if FC > 3
    case 3: NAME(dot_tile)(Y, ldy, X, W, b, in, MR, 3); break;
#endif
    case 2: NAME(dot_tile)(Y, ldy, X, W, b, in, MR, 2); break;
    default:
        for (int c = 0; c < NR; c++) NAME(dot_tile)(Y + c, ldy, X, W + (size_t)c * in, b ? b + c : 0, in, MR, 1);
    }
}

// Dispatches to tiles with compile-time sizes so the accumulators stay in registers.
ANN_INLINE void NAME(dot_block)(float *Y, int ldy, const float *X, const float *W,
                          const float *b, int in, int MR, int NR) {
    if (MR == FR && NR == FC) NAME(dot_tile)(Y, ldy, X, W, b, in, FR, FC);
    else if (MR == FR) NAME(dot_narrow)(Y, ldy, X, W, b, in, FR, NR);
    else {
        for (int r = 0; r < MR; r++) {
            if (NR == FC) NAME(dot_tile)(Y + (size_t)r * ldy, ldy, X + (size_t)r * in, W, b, in, 1, FC);
            else NAME(dot_narrow)(Y + (size_t)r * ldy, ldy, X + (size_t)r * in, W, b, in, 1, NR);
        }
    }
}

// One block of NR ≤ FC columns of Y down the whole batch. The activation
// runs on each row block right after its tile is stored, while it is still
// in L1, instead of in a separate pass over Y.
ANN_INLINE void NAME(forward_column_block)(float *Y, const float *X, const float *W, const float *b,
                                           int B, int in, int out, int activation, int c0, int NR) {
    for (int r0 = 0; r0 < B; r0 += FR) {
        int MR = B - r0 < FR ? B - r0 : FR;
        float *tile = Y + (size_t)r0 * out + c0;
        NAME(dot_block)(tile, out, X + (size_t)r0 * in, W + (size_t)c0 * in, b ? b + c0 : 0, in, MR, NR);
        if (activation != ANN_IDENTITY)
            for (int r = 0; r < MR; r++)
                for (int c = 0; c < NR; c++) tile[(size_t)r * out + c] = ann_activate(activation, tile[(size_t)r * out + c]);
    }
}

// Columns [c0, c1) of Y, in blocks of FC. OpenMP outlines the parallel
// region's body into a function without the clone's target, so the vector
// work lives in this separately multiversioned worker.
WORKER
static void NAME(forward_columns)(float *Y, const float *X, const float *W, const float *b,
                                  int B, int in, int out, int activation, int c0, int c1) {
    // A large batch goes in panels of rows that stay in L2 while every
    // column block of W passes over them.
    for (int r0 = 0; r0 < B; r0 += FORWARD_PANEL) {
        int rows = B - r0 < FORWARD_PANEL ? B - r0 : FORWARD_PANEL;
        for (int c = c0; c < c1; c += FC)
            NAME(forward_column_block)(Y + (size_t)r0 * out, X + (size_t)r0 * in, W, b, rows, in, out,
                                       activation, c, c1 - c < FC ? c1 - c : FC);
    }
}


// Update tile: C[i, j..j+VW·V) (=|+=) Σ_p A(p, i)·Bm[p, j..j+VW·V) for MR rows i,
// with A(p, i) = A[p·sap + i·sai] so one kernel serves dW = dYᵀ·X and dX = dY·W.
ANN_INLINE void NAME(update_tile)(float *C, int ldc, const float *A, int sap, int sai,
                            const float *Bm, int ldb, int P, int accumulate, int MR, int V) {
    VEC acc[UPD_ROWS][UPD_VECS];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < V; v++)
            acc[i][v] = accumulate ? VLOAD(C + (size_t)i * ldc + VW * v) : VSPLAT(0.0f);
    for (int p = 0; p < P; p++) {
        VEC bv[UPD_VECS];
        for (int v = 0; v < V; v++) bv[v] = VLOAD(Bm + (size_t)p * ldb + VW * v);
        for (int i = 0; i < MR; i++) {
            VEC a = VSPLAT(A[(size_t)p * sap + (size_t)i * sai]);
            for (int v = 0; v < V; v++) acc[i][v] += a * bv[v];
        }
    }
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < V; v++) VSTORE(C + (size_t)i * ldc + VW * v, acc[i][v]);
}

// Columns left over after the VW-wide vectors, one scalar at a time.
ANN_INLINE void NAME(update_scalar_columns)(float *C, int ldc, const float *A, int sap, int sai,
                                      const float *Bm, int ldb, int P, int accumulate, int MR, int width) {
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < width; j++) {
            float s = accumulate ? C[(size_t)i * ldc + j] : 0.0f;
            for (int p = 0; p < P; p++) s += A[(size_t)p * sap + (size_t)i * sai] * Bm[(size_t)p * ldb + j];
            C[(size_t)i * ldc + j] = s;
        }
}

ANN_INLINE void NAME(update_block)(float *C, int ldc, const float *A, int sap, int sai,
                             const float *Bm, int ldb, int P, int accumulate, int MR, int width) {
    int vecs = width / VW;
    if (MR == UPD_ROWS) {
        if (vecs == 3) NAME(update_tile)(C, ldc, A, sap, sai, Bm, ldb, P, accumulate, 4, 3);
        else if (vecs == 2) NAME(update_tile)(C, ldc, A, sap, sai, Bm, ldb, P, accumulate, 4, 2);
        else if (vecs == 1) NAME(update_tile)(C, ldc, A, sap, sai, Bm, ldb, P, accumulate, 4, 1);
    } else {
        for (int i = 0; i < MR; i++) {
            float *Ci = C + (size_t)i * ldc;
            const float *Ai = A + (size_t)i * sai;
            if (vecs == 3) NAME(update_tile)(Ci, ldc, Ai, sap, sai, Bm, ldb, P, accumulate, 1, 3);
            else if (vecs == 2) NAME(update_tile)(Ci, ldc, Ai, sap, sai, Bm, ldb, P, accumulate, 1, 2);
            else if (vecs == 1) NAME(update_tile)(Ci, ldc, Ai, sap, sai, Bm, ldb, P, accumulate, 1, 1);
        }
    }
    if (width % VW)
        NAME(update_scalar_columns)(C + VW * vecs, ldc, A, sap, sai, Bm + VW * vecs, ldb, P, accumulate, MR,
                                    width % VW);
}


// The tiles [first, last) of C (numbered as in update_tiles), over rows
// [p0, p0 + depth) of the product's depth.
ANN_INLINE void NAME(update_slice)(float *C, const float *A, int sap, int sai, const float *Bm,
                                  int M, int N, int ld, int P, int p0, int depth, int accumulate,
                                  const float *gate, int gateKind, float *rowSums, int first, int last) {
    int strips = (N + VW * UPD_VECS - 1) / (VW * UPD_VECS);
    for (int strip = 0; strip < strips; strip++)
    for (int block = first / strips; block <= (last - 1) / strips; block++) {
        int t = block * strips + strip;
        if (t < first || t >= last) continue;
        int i0 = block * UPD_ROWS, j0 = strip * (VW * UPD_VECS);
        int width = N - j0 < (VW * UPD_VECS) ? N - j0 : (VW * UPD_VECS);
        int MR = M - i0 < UPD_ROWS ? M - i0 : UPD_ROWS;
        float *tile = C + (size_t)i0 * ld + j0;
        NAME(update_block)(tile, ld, A + (size_t)p0 * sap + (size_t)i0 * sai, sap, sai,
                           Bm + (size_t)p0 * ld + j0, ld, depth, accumulate, MR, width);
        if (gate && gateKind != ANN_IDENTITY) {
            const float *g = gate + (size_t)i0 * ld + j0;
            for (int i = 0; i < MR; i++)
                for (int j = 0; j < width; j++)
                    tile[(size_t)i * ld + j] *= ann_activation_slope(gateKind, g[(size_t)i * ld + j]);
        }
        if (rowSums && j0 == 0)
            for (int i = i0; i < i0 + MR; i++) {
                float sum = 0.0f;
                for (int p = 0; p < P; p++) sum += A[(size_t)p * sap + (size_t)i * sai];
                rowSums[i] = sum;
            }
    }
}

// Tiles [first, last) of C, numbered row-major over the grid of row blocks
// (UPD_ROWS rows) and (3·VW)-wide column strips, so that a run of them is a
// band of rows (dense.c's band_share hands them out). They run
// strip-major (the run's row blocks of one strip, then the next strip),
// so a strip of Bm stays in L1 across the row blocks; for a deep product
// (a large batch) that strip is cut into slices of UPD_DEPTH rows of Bm,
// each added to C before the next. The tile reloads exactly what it
// stored, so the slicing changes no bit. Multiversioned on its own for the
// reason forward_columns is.
// Two optional epilogues ride along while a tile is hot:
// - gate: C[i, j] *= g'(gate[i, j]) (the input gradient through the previous
//   layer's activation);
// - rowSums: with the tiles of the first strip, rowSums[i] = Σ_p A(p, i)
//   (the bias gradient, each row summed by exactly one tile).
// C, Bm and gate are N columns wide in rows ld floats apart: ld = N for a
// whole product, more for a range of its columns. Each element's sum runs
// over p in the same order however the columns are grouped into strips.
WORKER
static void NAME(update_tiles)(float *C, const float *A, int sap, int sai, const float *Bm,
                         int M, int N, int ld, int P, const float *gate,
                         int gateKind, float *rowSums, int first, int last) {
    if (first >= last) return;
    if (P <= UPD_DEPTH) {
        NAME(update_slice)(C, A, sap, sai, Bm, M, N, ld, P, 0, P, 0, gate, gateKind, rowSums, first, last);
        return;
    }
    // The bias sums ride with the first slice, the gate with the last.
    for (int p0 = 0; p0 < P; p0 += UPD_DEPTH) {
        int depth = P - p0 < UPD_DEPTH ? P - p0 : UPD_DEPTH;
        NAME(update_slice)(C, A, sap, sai, Bm, M, N, ld, P, p0, depth, p0 > 0, p0 + depth == P ? gate : 0,
                           gateKind, p0 == 0 ? rowSums : 0, first, last);
    }
}

