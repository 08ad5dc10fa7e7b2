// bfloat16 products for mixed-precision training: operands rounded to
// bfloat16 (the top half of an fp32), their products summed in fp32.
//
// A product C (M, N) = Σ_p a(i, p)·b(p, j) takes its operands in pairs along
// p, the layout of VDPBF16PS, which multiplies two bfloat16 pairs and adds
// both products into an fp32 lane: A as row pairs (row i's a(i, 2q) and
// a(i, 2q+1) in one 32-bit word, rows `pairs` words apart) and B as VNNI
// pairs (b(2q, j) and b(2q+1, j) in one word, pair rows N words apart). The
// layout helpers below make them from fp32 matrices; a dense layer's three
// products each take one arrangement of X or dY and one of W.
//
// Paths, chosen at run time: AMX tiles (TDPBF16PS) on CPUs that have them
// (Sapphire Rapids and later); VDPBF16PS on CPUs with AVX512-BF16 (Zen 4,
// Cooper Lake); elsewhere the same pairs widened to fp32 and multiplied there
// (bfloat16 products are exact in fp32). Each adds in one fixed order
// whatever the thread count; the orders of the paths differ.
#include <string.h>

#include "CANNKernels.h"
#include "activation_math.h"
#include "fp_mode.h"
#include "team.h"
#include "vector.h"

// Round to nearest even; a NaN stays a (quiet) NaN; a subnormal becomes a
// zero of its sign, as VCVTNE2PS2BF16 makes it (and as the bfloat16 products
// of AMX and AVX512-BF16 read one), so that every path lays out the same
// words. Selects, not branches, so that loops of it vectorize.
ANN_INLINE uint32_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    uint32_t magnitude = u & 0x7FFFFFFFu;
    rounded = magnitude < 0x00800000u ? (u >> 16) & 0x8000u : rounded;
    return magnitude > 0x7F800000u ? (u >> 16) | 0x40u : rounded;
}

ANN_INLINE uint32_t pair(float even, float odd) { return to_bf16(even) | to_bf16(odd) << 16; }

// MARK: Layouts

ANN_MULTIVERSION
static void along_rows(uint32_t *dst, const float *src, int rows, int cols, int first, int last) {
    (void)rows;
    int pairs = (cols + 1) / 2;
    for (int r = first; r < last; r++) {
        const float *s = src + (size_t)r * cols;
        uint32_t *d = dst + (size_t)r * pairs;
        for (int q = 0; q < cols / 2; q++) d[q] = pair(s[2 * q], s[2 * q + 1]);
        if (cols % 2) d[pairs - 1] = pair(s[cols - 1], 0.0f);
    }
}

// A 16 × 16 transpose of words in four rounds, each swapping the off-diagonal
// b × b blocks of every 2b × 2b block (b = 8, 4, 2, 1): rows i and i + b
// trade halves of each 2b-lane chunk.
#define LO8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define HI8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define LO4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define HI4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define LO2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define HI2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define LO1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define HI1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
typedef uint32_t ann_vu16 __attribute__((vector_size(64), aligned(4)));

#define TRANSPOSE_ROUND(b)                                                      \
    for (int i = 0; i < 16; i++)                                               \
        if (!(i & b)) {                                                        \
            ann_vu16 x = v[i], y = v[i + b];                                   \
            v[i] = __builtin_shufflevector(x, y, LO##b);                       \
            v[i + b] = __builtin_shufflevector(x, y, HI##b);                   \
        }

ANN_INLINE void transpose_words16(uint32_t *dst, size_t dst_stride, const uint32_t *src, size_t src_stride, int rows,
                                   int columns) {
    ann_vu16 v[16];
    if (rows == 16) {
        for (int r = 0; r < 16; r++) memcpy(&v[r], src + (size_t)r * src_stride, sizeof v[r]);
    } else {
        memset(v, 0, sizeof v);
        for (int r = 0; r < rows; r++) memcpy(&v[r], src + (size_t)r * src_stride, sizeof v[r]);
    }
    TRANSPOSE_ROUND(8)
    TRANSPOSE_ROUND(4)
    TRANSPOSE_ROUND(2)
    TRANSPOSE_ROUND(1)
    if (rows == 16) {
        for (int c = 0; c < columns; c++) memcpy(dst + (size_t)c * dst_stride, &v[c], sizeof v[c]);
    } else {
        for (int c = 0; c < columns; c++)
            for (int r = 0; r < rows; r++) dst[(size_t)c * dst_stride + r] = v[c][r];
    }
}

// Blocks of 16 rows by 16 pairs: made along the rows, then transposed in
// registers, each destination row getting up to 16 words at once. Units:
// blocks of 16 rows.
ANN_MULTIVERSION
static void along_rows_transposed(uint32_t *dst, const float *src, int rows, int cols, int first, int last) {
    int pairs = (cols + 1) / 2;
    uint32_t block[16 * 16];
    for (int r0 = 16 * first; r0 < rows && r0 < 16 * last; r0 += 16) {
        int r1 = r0 + 16 < rows ? r0 + 16 : rows;
        for (int q0 = 0; q0 < pairs; q0 += 16) {
            int q1 = q0 + 16 < pairs ? q0 + 16 : pairs;
            for (int r = r0; r < r1; r++) {
                const float *s = src + (size_t)r * cols;
                uint32_t *b = block + (size_t)(r - r0) * 16;
                if (2 * q1 <= cols) {
                    for (int q = q0; q < q1; q++) b[q - q0] = pair(s[2 * q], s[2 * q + 1]);
                } else {
                    for (int q = q0; q < q1; q++) b[q - q0] = pair(s[2 * q], 2 * q + 1 < cols ? s[2 * q + 1] : 0.0f);
                }
            }
            transpose_words16(dst + (size_t)q0 * rows + r0, (size_t)rows, block, 16, r1 - r0, q1 - q0);
        }
    }
}

// Units: pairs of rows.
ANN_MULTIVERSION
static void down_columns(uint32_t *dst, const float *src, int rows, int cols, int first, int last) {
    for (int q = first; q < last; q++) {
        const float *even = src + (size_t)(2 * q) * cols;
        const float *odd = 2 * q + 1 < rows ? even + cols : 0;
        uint32_t *d = dst + (size_t)q * cols;
        for (int c = 0; c < cols; c++) d[c] = pair(even[c], odd ? odd[c] : 0.0f);
    }
}

// Blocks of 32 columns, the units: the two source rows' stretch and the
// destination's rows stay in L1.
static void down_columns_transposed(uint32_t *dst, const float *src, int rows, int cols, int first, int last) {
    int pairs = (rows + 1) / 2;
    for (int c0 = 32 * first; c0 < cols && c0 < 32 * last; c0 += 32) {
        int c1 = c0 + 32 < cols ? c0 + 32 : cols;
        for (int q = 0; q < pairs; q++) {
            const float *even = src + (size_t)(2 * q) * cols;
            const float *odd = 2 * q + 1 < rows ? even + cols : 0;
            for (int c = c0; c < c1; c++) dst[(size_t)c * pairs + q] = pair(even[c], odd ? odd[c] : 0.0f);
        }
    }
}

typedef void (*layout_worker)(uint32_t *, const float *, int, int, int, int);

// Splits `units` of a layout over up to `threads` OpenMP threads; small ones
// run on the calling thread (even a one-thread region allocates in libomp).
static void run_layout(layout_worker work, uint32_t *dst, const float *src, int rows, int cols, int units,
                       int threads) {
    if (threads <= 1 || (size_t)rows * cols < 16384) {
        work(dst, src, rows, cols, 0, units);
        return;
    }
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        size_t first, last;
        ann_team_share((size_t)units, &first, &last);
        work(dst, src, rows, cols, (int)first, (int)last);
        ann_team_restore_fp_mode(ownMode, mode);
    }
}


// MARK: The epilogue, shared by both paths

typedef struct {
    float *C;
    const uint32_t *A, *B;
    const float *bias, *gate;
    int M, N, pairs, activation;
    // C is written transposed, (N, M), the bias running along A's rows;
    // `ldc` is then C's row stride (the whole product's M, when a thread
    // takes a band of A's rows).
    int transposed, ldc;
} bf16_product;

// C[r, c] from its sum: + bias, then the activation; or ⊙ g'(gate).
ANN_INLINE void finish(const bf16_product *p, int r, int c, float sum) {
    if (p->transposed) {
        float v = sum + (p->bias ? p->bias[r] : 0.0f);
        p->C[(size_t)c * p->ldc + r] = p->activation != ANN_IDENTITY ? ann_activate(p->activation, v) : v;
        return;
    }
    size_t at = (size_t)r * p->N + c;
    if (p->gate) {
        p->C[at] = sum * ann_activation_slope(p->activation, p->gate[at]);
    } else {
        float v = sum + (p->bias ? p->bias[c] : 0.0f);
        p->C[at] = p->activation != ANN_IDENTITY ? ann_activate(p->activation, v) : v;
    }
}

// Tiles: up to BF_ROWS rows of C by BF_VECS vectors of columns.
enum { BF_ROWS = 6, BF_VECS = 4, BF_PANEL = 96 };

// MARK: Portable path: 8 columns a vector, pairs widened

typedef uint32_t ann_vu8 __attribute__((vector_size(32), aligned(4)));

ANN_INLINE ann_vf8 as_floats(ann_vu8 u) {
    ann_vf8 f;
    memcpy(&f, &u, sizeof f);
    return f;
}

ANN_INLINE float bits_to_float(uint32_t bits) {
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

// Out of line: each tile size's copy of the scalar epilogue would be large.
// Cloned like its caller, so that tanh and sigmoid are compiled (their
// multiply-adds contracted or not) as they were inline.
ANN_MULTIVERSION static void portable_finish(const bf16_product *p, int r0, int c0, int MR, int width,
                                             float sums[BF_ROWS][8 * BF_VECS]) {
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < width; j++) finish(p, r0 + r, c0 + j, sums[r][j]);
}

ANN_INLINE void portable_tile(const bf16_product *p, int r0, int c0, int MR, int V, int width) {
    ann_vf8 acc[BF_ROWS][BF_VECS];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < V; v++) acc[r][v] = ann_splat8(0.0f);
    for (int q = 0; q < p->pairs; q++) {
        ann_vf8 even[BF_VECS], odd[BF_VECS];
        for (int v = 0; v < V; v++) {
            ann_vu8 words;
            memcpy(&words, p->B + (size_t)q * p->N + c0 + 8 * v, sizeof words);
            even[v] = as_floats(words << 16);
            odd[v] = as_floats(words & 0xFFFF0000u);
        }
        for (int r = 0; r < MR; r++) {
            uint32_t word = p->A[(size_t)(r0 + r) * p->pairs + q];
            ann_vf8 a0 = ann_splat8(bits_to_float(word << 16)), a1 = ann_splat8(bits_to_float(word & 0xFFFF0000u));
            for (int v = 0; v < V; v++) acc[r][v] = acc[r][v] + a0 * even[v] + a1 * odd[v];
        }
    }
    float sums[BF_ROWS][8 * BF_VECS];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < V; v++) memcpy(&sums[r][8 * v], &acc[r][v], sizeof acc[r][v]);
    portable_finish(p, r0, c0, MR, width, sums);
}

// A tile's sizes as constants: with variable ones the compiler keeps the sums
// in memory, and the edge tiles (a batch of 64 leaves 4 rows past the last
// 6) ran several times slower than the rest.
#define EDGE_CASES(TILE, MR)                                                   \
    case MR * 8 + 1: TILE(p, r0, c0, MR, 1, width); break;                     \
    case MR * 8 + 2: TILE(p, r0, c0, MR, 2, width); break;                     \
    case MR * 8 + 3: TILE(p, r0, c0, MR, 3, width); break;                     \
    case MR * 8 + 4: TILE(p, r0, c0, MR, 4, width); break;
#define EDGE_SWITCH(TILE)                                                      \
    switch (MR * 8 + V) {                                                      \
        EDGE_CASES(TILE, 1) EDGE_CASES(TILE, 2) EDGE_CASES(TILE, 3)            \
        EDGE_CASES(TILE, 4) EDGE_CASES(TILE, 5) EDGE_CASES(TILE, 6)            \
    }
_Static_assert(BF_ROWS == 6 && BF_VECS == 4, "EDGE_SWITCH lists every tile size");

ANN_INLINE void portable_edge(const bf16_product *p, int r0, int c0, int MR, int V, int width) {
    EDGE_SWITCH(portable_tile)
}

// Columns past the last whole vector, one at a time, summed in the same order.
static void portable_column(const bf16_product *p, int r, int c) {
    float sum = 0.0f;
    for (int q = 0; q < p->pairs; q++) {
        uint32_t a = p->A[(size_t)r * p->pairs + q], b = p->B[(size_t)q * p->N + c];
        sum = sum + bits_to_float(a << 16) * bits_to_float(b << 16)
                  + bits_to_float(a & 0xFFFF0000u) * bits_to_float(b & 0xFFFF0000u);
    }
    finish(p, r, c, sum);
}

ANN_MULTIVERSION
static void portable_columns(const bf16_product *p, int c0, int c1) {
    int whole = c0 + (c1 - c0) / 8 * 8;
    for (int m0 = 0; m0 < p->M; m0 += BF_PANEL) {
        int m1 = m0 + BF_PANEL < p->M ? m0 + BF_PANEL : p->M;
        for (int c = c0; c < whole; c += 8 * BF_VECS) {
            int width = whole - c < 8 * BF_VECS ? whole - c : 8 * BF_VECS;
            for (int r = m0; r < m1; r += BF_ROWS) {
                int MR = m1 - r < BF_ROWS ? m1 - r : BF_ROWS;
                if (MR == BF_ROWS && width == 8 * BF_VECS) portable_tile(p, r, c, BF_ROWS, BF_VECS, width);
                else portable_edge(p, r, c, MR, (width + 7) / 8, width);
            }
        }
        for (int r = m0; r < m1; r++)
            for (int c = whole; c < c1; c++) portable_column(p, r, c);
    }
}

// MARK: AVX512-BF16 path: VDPBF16PS, 16 columns a vector

#if defined(__x86_64__) && !defined(ANN_NO_MULTIVERSION)
#include <immintrin.h>
#define BF16_TARGET __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl,avx512dq")))
#define HAS_BF16_PATH 1

// Out of line: the tiles unroll their stores, and these would be copied into each.
BF16_TARGET __attribute__((noinline)) static void store16_transposed(const bf16_product *p, int r, int c, __m512 sum,
                                                                     __mmask16 mask) {
    float lanes[16];
    _mm512_storeu_ps(lanes, sum);
    for (int j = 0; j < 16; j++)
        if (mask >> j & 1) finish(p, r, c + j, lanes[j]);
}

// The target of its callers, so that tanh and sigmoid round as in the
// transposed epilogue (with FMAs).
BF16_TARGET __attribute__((noinline)) static void activate16(const bf16_product *p, size_t at, __mmask16 mask) {
    for (int j = 0; j < 16; j++)
        if (mask >> j & 1) p->C[at + j] = ann_activate(p->activation, p->C[at + j]);
}

// The epilogue of `finish`, 16 columns at a time; tanh and sigmoid, which
// need exp, one value at a time.
BF16_TARGET ANN_INLINE void store16(const bf16_product *p, int r, int c, __m512 sum, __mmask16 mask) {
    if (p->transposed) return store16_transposed(p, r, c, sum, mask);  // only the edges of AMX's tiles

    size_t at = (size_t)r * p->N + c;
    if (p->gate) {
        __m512 g = _mm512_maskz_loadu_ps(mask, p->gate + at), slope;
        switch (p->activation) {
        case ANN_RELU: slope = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(g, _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_set1_ps(1.0f)); break;
        case ANN_TANH: slope = _mm512_fnmadd_ps(g, g, _mm512_set1_ps(1.0f)); break;
        case ANN_SIGMOID: slope = _mm512_mul_ps(g, _mm512_sub_ps(_mm512_set1_ps(1.0f), g)); break;
        default: slope = _mm512_set1_ps(1.0f);
        }
        _mm512_mask_storeu_ps(p->C + at, mask, _mm512_mul_ps(sum, slope));
        return;
    }
    __m512 v = p->bias ? _mm512_add_ps(sum, _mm512_maskz_loadu_ps(mask, p->bias + c)) : sum;
    if (p->activation == ANN_RELU) v = _mm512_max_ps(v, _mm512_setzero_ps());
    _mm512_mask_storeu_ps(p->C + at, mask, v);
    if (p->activation == ANN_TANH || p->activation == ANN_SIGMOID) activate16(p, at, mask);
}

BF16_TARGET ANN_INLINE void dpbf16_tile(const bf16_product *p, int r0, int c0, int MR, int V, int width) {
    __m512 acc[BF_ROWS][BF_VECS];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
    // The last vector of a narrow tile loads its columns alone; the lanes past them are zero.
    int tail = width - 16 * (V - 1);
    __mmask16 last = tail >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << tail) - 1u);
    for (int q = 0; q < p->pairs; q++) {
        const uint32_t *row = p->B + (size_t)q * p->N + c0;
        __m512i b[BF_VECS];
        for (int v = 0; v < V; v++)
            b[v] = v + 1 < V ? _mm512_loadu_si512(row + 16 * v) : _mm512_maskz_loadu_epi32(last, row + 16 * v);
        for (int r = 0; r < MR; r++) {
            __m512i a = _mm512_set1_epi32((int)p->A[(size_t)(r0 + r) * p->pairs + q]);
            for (int v = 0; v < V; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], (__m512bh)a, (__m512bh)b[v]);
        }
    }
    // Unrolled whole, so that the sums are registers rather than an array
    // in memory (which was zeroed by memset and stored and reloaded around
    // the loop: an eighth of a weight gradient's short tiles).
    #pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++)
        #pragma clang loop unroll(full)
        for (int v = 0; v < V; v++) store16(p, r0 + r, c0 + 16 * v, acc[r][v], v + 1 < V ? (__mmask16)0xFFFF : last);
}

BF16_TARGET static void dpbf16_edge(const bf16_product *p, int r0, int c0, int MR, int V, int width) {
    EDGE_SWITCH(dpbf16_tile)
}

BF16_TARGET static void dpbf16_columns(const bf16_product *p, int c0, int c1) {
    for (int m0 = 0; m0 < p->M; m0 += BF_PANEL) {
        int m1 = m0 + BF_PANEL < p->M ? m0 + BF_PANEL : p->M;
        for (int c = c0; c < c1; c += 16 * BF_VECS) {
            int width = c1 - c < 16 * BF_VECS ? c1 - c : 16 * BF_VECS;
            for (int r = m0; r < m1; r += BF_ROWS) {
                int MR = m1 - r < BF_ROWS ? m1 - r : BF_ROWS;
                if (MR == BF_ROWS && width == 16 * BF_VECS) dpbf16_tile(p, r, c, BF_ROWS, BF_VECS, width);
                else dpbf16_edge(p, r, c, MR, (width + 15) / 16, width);
            }
        }
    }
}

// MARK: Layouts with VCVTNE2PS2BF16: 32 floats rounded in one instruction

// Row r's floats [2·q0, 2·q0 + 32) as 16 pair words; zeros past `cols`.
BF16_TARGET ANN_INLINE __m512i row_pairs16(const float *row, int q0, int cols) {
    int first = 2 * q0, left = cols - first;
    __mmask16 low = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (left > 0 ? left : 0)) - 1u);
    __mmask16 high = left >= 32 ? (__mmask16)0xFFFF : left > 16 ? (__mmask16)((1u << (left - 16)) - 1u) : 0;
    __m512 lo = _mm512_maskz_loadu_ps(low, row + first), hi = _mm512_maskz_loadu_ps(high, row + first + 16);
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

// 16 pair words down columns [c0, c0 + 16) of two rows (odd NULL: zeros).
BF16_TARGET ANN_INLINE __m512i column_pairs16(const float *even, const float *odd, int c0, int cols) {
    int left = cols - c0;
    __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
    __m512 e = _mm512_maskz_loadu_ps(mask, even + c0);
    __m512 o = odd ? _mm512_maskz_loadu_ps(mask, odd + c0) : _mm512_setzero_ps();
    __m512i both = (__m512i)_mm512_cvtne2ps_pbh(o, e);  // e's 16 words, then o's
    __m512i words = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(both));
    return _mm512_or_si512(words, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(both, 1)), 16));
}

BF16_TARGET static void along_rows_bf16(uint32_t *dst, const float *src, int rows, int cols, int first, int last) {
    (void)rows;
    int pairs = (cols + 1) / 2;
    for (int r = first; r < last; r++)
        for (int q = 0; q < pairs; q += 16) {
            int left = pairs - q;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            _mm512_mask_storeu_epi32(dst + (size_t)r * pairs + q, mask, row_pairs16(src + (size_t)r * cols, q, cols));
        }
}

// A 16 × 16 block of words turned over in registers: pairs of rows
// interleaved by words, then by double words, within each 128-bit lane (a
// 4 × 4 transpose per lane), then the lanes moved in two rounds.
BF16_TARGET ANN_INLINE void transpose16(__m512i v[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
    }
    // u[4g + j], lane k: column 4k + j of rows 4g to 4g + 3.
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int j = 0; j < 4; j++) {
        __m512i low01 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), high01 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
        __m512i low23 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44);
        __m512i high23 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);
        v[j] = _mm512_shuffle_i32x4(low01, low23, 0x88);
        v[4 + j] = _mm512_shuffle_i32x4(low01, low23, 0xDD);
        v[8 + j] = _mm512_shuffle_i32x4(high01, high23, 0x88);
        v[12 + j] = _mm512_shuffle_i32x4(high01, high23, 0xDD);
    }
}

// The first `height` words of the first `width` rows of a block, each to its
// own row of `dst` (`stride` words apart).
BF16_TARGET ANN_INLINE void store_rows16(uint32_t *dst, size_t stride, const __m512i v[16], int height, int width) {
    __mmask16 mask = height >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << height) - 1u);
    for (int c = 0; c < width; c++) _mm512_mask_storeu_epi32(dst + (size_t)c * stride, mask, v[c]);
}

// Blocks of 16 rows by 16 pairs, made along the rows and turned over in
// registers. Units: blocks of 16 rows.
BF16_TARGET static void along_rows_transposed_bf16(uint32_t *dst, const float *src, int rows, int cols, int first,
                                                   int last) {
    int pairs = (cols + 1) / 2;
    for (int r0 = 16 * first; r0 < rows && r0 < 16 * last; r0 += 16) {
        int height = rows - r0 < 16 ? rows - r0 : 16;
        for (int q0 = 0; q0 < pairs; q0 += 16) {
            const float *s = src + (size_t)r0 * cols + 2 * q0;
            __m512i v[16];
            if (height == 16 && 2 * q0 + 32 <= cols) {
                #pragma clang loop unroll(full)
                for (int r = 0; r < 16; r++)
                    v[r] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + (size_t)r * cols + 16),
                                                        _mm512_loadu_ps(s + (size_t)r * cols));
            } else {
                for (int r = 0; r < 16; r++)
                    v[r] = r < height ? row_pairs16(src + (size_t)(r0 + r) * cols, q0, cols) : _mm512_setzero_si512();
            }
            transpose16(v);
            store_rows16(dst + (size_t)q0 * rows + r0, (size_t)rows, v, height, pairs - q0 < 16 ? pairs - q0 : 16);
        }
    }
}

BF16_TARGET static void down_columns_bf16(uint32_t *dst, const float *src, int rows, int cols, int first, int last) {
    for (int q = first; q < last; q++) {
        const float *even = src + (size_t)(2 * q) * cols;
        const float *odd = 2 * q + 1 < rows ? even + cols : 0;
        for (int c = 0; c < cols; c += 16) {
            int left = cols - c;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            _mm512_mask_storeu_epi32(dst + (size_t)q * cols + c, mask, column_pairs16(even, odd, c, cols));
        }
    }
}

// Blocks of 16 pairs by 16 columns, made down the columns and transposed in
// registers. Units: blocks of 16 columns.
BF16_TARGET static void down_columns_transposed_bf16(uint32_t *dst, const float *src, int rows, int cols, int first,
                                                     int last) {
    int pairs = (rows + 1) / 2;
    for (int c0 = 16 * first; c0 < cols && c0 < 16 * last; c0 += 16) {
        int width = cols - c0 < 16 ? cols - c0 : 16;
        for (int q0 = 0; q0 < pairs; q0 += 16) {
            int height = pairs - q0 < 16 ? pairs - q0 : 16;
            __m512i v[16];
            #pragma clang loop unroll(full)
            for (int q = 0; q < 16; q++) {
                v[q] = _mm512_setzero_si512();
                if (q >= height) continue;
                const float *even = src + (size_t)(2 * (q0 + q)) * cols;
                v[q] = column_pairs16(even, 2 * (q0 + q) + 1 < rows ? even + cols : 0, c0, cols);
            }
            transpose16(v);
            store_rows16(dst + (size_t)c0 * pairs + q0, (size_t)pairs, v, height, width);
        }
    }
}

static int has_avx512_bf16(void) {
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
#else
#define HAS_BF16_PATH 0
static int has_avx512_bf16(void) { return 0; }
#endif

// MARK: AMX path: TDPBF16PS on 16 × 16 tiles of C

#if HAS_BF16_PATH && defined(__linux__)
#include <cpuid.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#define HAS_AMX_PATH 1
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512bf16,avx512f,avx512bw,avx512vl,avx512dq")))

// The A and B layouts are already what the tiles load: an A tile is 16 rows
// of 16 pair words (rows `pairs` words apart), a B tile 16 pair rows of 16
// column words (N apart). C is made of blocks of up to 2 × 2 tiles (32 rows,
// 32 columns): tiles 0–3 sum C, 4–5 hold A, 6–7 B. Each element is the same
// sequence of TDPBF16PS whatever block or thread computes it; the rows past
// the last whole 16 and the columns past the last whole vector of 16 take
// the VDPBF16PS tiles.
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} amx_tile_config;

enum { AMX_PAIRS = 16 };

AMX_TARGET static void amx_configure(void) {
    amx_tile_config config = {.palette = 1};
    for (int t = 0; t < 8; t++) {
        config.bytes_per_row[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
}

// The last pairs % 16 of the sum: copied into zeroed tiles in memory, since a
// tile load reads whole 64-byte rows.
typedef struct {
    uint32_t a[2][16][16], b[16][32];
} amx_tail;

// The epilogue of a transposed product: each 16 × 16 tile of `out` (rows
// along A, columns along B) turned in registers, then written as 16 rows of C
// with A's bias and the activation.
AMX_TARGET static void amx_store_transposed(const bf16_product *p, int r0, int c0, int two_rows, int two_cols,
                                            float out[32][32]) {
    float turned[16][16];
    for (int hr = 0; hr <= two_rows; hr++)
        for (int hc = 0; hc <= two_cols; hc++) {
            transpose_words16((uint32_t *)&turned[0][0], 16, (const uint32_t *)&out[16 * hr][16 * hc], 32, 16, 16);
            int column = r0 + 16 * hr;
            __m512 bias = p->bias ? _mm512_loadu_ps(p->bias + column) : _mm512_setzero_ps();
            for (int b = 0; b < 16; b++) {
                float *row = p->C + (size_t)(c0 + 16 * hc + b) * p->ldc + column;
                __m512 v = _mm512_add_ps(_mm512_loadu_ps(turned[b]), bias);
                if (p->activation == ANN_RELU) v = _mm512_max_ps(v, _mm512_setzero_ps());
                _mm512_storeu_ps(row, v);
                if (p->activation == ANN_TANH || p->activation == ANN_SIGMOID)
                    for (int j = 0; j < 16; j++) row[j] = ann_activate(p->activation, row[j]);
            }
        }
}

AMX_TARGET static void amx_block(const bf16_product *p, int r0, int c0, int two_rows, int two_cols,
                                 amx_tail *tail, float out[32][32]) {
    size_t a_stride = (size_t)p->pairs * 4, b_stride = (size_t)p->N * 4;
    const uint32_t *a0 = p->A + (size_t)r0 * p->pairs, *a1 = two_rows ? a0 + (size_t)16 * p->pairs : a0;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    int whole = p->pairs / AMX_PAIRS * AMX_PAIRS;
    for (int q = 0; q < whole; q += AMX_PAIRS) {
        const uint32_t *b = p->B + (size_t)q * p->N + c0;
        _tile_loadd(4, a0 + q, a_stride);
        _tile_loadd(6, b, b_stride);
        _tile_dpbf16ps(0, 4, 6);
        if (two_cols) {
            _tile_loadd(7, b + 16, b_stride);
            _tile_dpbf16ps(1, 4, 7);
        }
        if (two_rows) {
            _tile_loadd(5, a1 + q, a_stride);
            _tile_dpbf16ps(2, 5, 6);
            if (two_cols) _tile_dpbf16ps(3, 5, 7);
        }
    }
    if (whole < p->pairs) {
        // `tail` was zeroed once per call: these copies rewrite the same words each time.
        int left = p->pairs - whole, width = two_cols ? 32 : 16;
        for (int h = 0; h <= two_rows; h++)
            for (int r = 0; r < 16; r++)
                memcpy(tail->a[h][r], p->A + (size_t)(r0 + 16 * h + r) * p->pairs + whole, (size_t)left * 4);
        for (int q = 0; q < left; q++) memcpy(tail->b[q], p->B + (size_t)(whole + q) * p->N + c0, (size_t)width * 4);
        _tile_loadd(4, tail->a[0], 64);
        _tile_loadd(6, tail->b, 128);
        _tile_dpbf16ps(0, 4, 6);
        if (two_cols) {
            _tile_loadd(7, &tail->b[0][16], 128);
            _tile_dpbf16ps(1, 4, 7);
        }
        if (two_rows) {
            _tile_loadd(5, tail->a[1], 64);
            _tile_dpbf16ps(2, 5, 6);
            if (two_cols) _tile_dpbf16ps(3, 5, 7);
        }
    }
    // A plain product (a weight gradient) goes straight to C; the others
    // through `out`, to add the bias and the activation or the gate.
    int plain = !p->gate && !p->bias && p->activation == ANN_IDENTITY && !p->transposed;
    float *to = plain ? p->C + (size_t)r0 * p->N + c0 : &out[0][0];
    size_t stride = plain ? (size_t)p->N * 4 : 128, down = plain ? (size_t)16 * p->N : 16 * 32;
    _tile_stored(0, to, stride);
    if (two_cols) _tile_stored(1, to + 16, stride);
    if (two_rows) {
        _tile_stored(2, to + down, stride);
        if (two_cols) _tile_stored(3, to + down + 16, stride);
    }
    if (plain) return;
    if (p->transposed) return amx_store_transposed(p, r0, c0, two_rows, two_cols, out);
    for (int r = 0; r < 16 * (1 + two_rows); r++)
        for (int h = 0; h <= two_cols; h++) store16(p, r0 + r, c0 + 16 * h, _mm512_loadu_ps(&out[r][16 * h]), 0xFFFF);
}

AMX_TARGET static void amx_columns(const bf16_product *p, int c0, int c1) {
    int rows = p->M / 16 * 16, vectors_end = c0 + (c1 - c0) / 16 * 16;
    if (rows > 0 && vectors_end > c0) {
        amx_tail tail;
        float out[32][32];
        memset(&tail, 0, sizeof tail);
        amx_configure();
        for (int r = 0; r < rows; r += 32)
            for (int c = c0; c < vectors_end; c += 32)
                amx_block(p, r, c, r + 32 <= rows, c + 32 <= vectors_end, &tail, out);
        _tile_release();
    }
    // The edges: rows past the tiles over the tiles' columns, then the
    // columns past the tiles over all rows.
    for (int r = rows; r < p->M; r += BF_ROWS) {
        int MR = p->M - r < BF_ROWS ? p->M - r : BF_ROWS;
        for (int c = c0; c < vectors_end; c += 16 * BF_VECS) {
            int width = vectors_end - c < 16 * BF_VECS ? vectors_end - c : 16 * BF_VECS;
            dpbf16_edge(p, r, c, MR, (width + 15) / 16, width);
        }
    }
    if (vectors_end < c1)
        for (int r = 0; r < p->M; r += BF_ROWS)
            dpbf16_edge(p, r, vectors_end, p->M - r < BF_ROWS ? p->M - r : BF_ROWS, 1, c1 - vectors_end);
}

// Linux gives a process the tile registers only once it asks (the state
// is 8 KiB a thread); AMX-BF16 and AMX-TILE are CPUID.(7, 0).EDX bits 22, 24.
static int amx_usable;

static void amx_request(void) {
    unsigned eax, ebx, ecx, edx;
    if (!has_avx512_bf16() || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return;
    if (!(edx >> 22 & 1) || !(edx >> 24 & 1)) return;
    enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
    amx_usable = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

static int has_amx(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, amx_request);
    return amx_usable;
}
#else
#define HAS_AMX_PATH 0
static int has_amx(void) { return 0; }
#endif

int ann_bf16_path(void) {
    return has_amx() ? ANN_BF16_AMX : has_avx512_bf16() ? ANN_BF16_AVX512 : ANN_BF16_PORTABLE;
}

// MARK: Layouts, the fastest this CPU runs (all write the same words)

void ann_bf16_pairs_along_rows(uint32_t *dst, const float *src, int rows, int cols, int threads) {
#if HAS_BF16_PATH
    if (has_avx512_bf16()) return run_layout(along_rows_bf16, dst, src, rows, cols, rows, threads);
#endif
    run_layout(along_rows, dst, src, rows, cols, rows, threads);
}

void ann_bf16_pairs_along_rows_transposed(uint32_t *dst, const float *src, int rows, int cols, int threads) {
#if HAS_BF16_PATH
    if (has_avx512_bf16())
        return run_layout(along_rows_transposed_bf16, dst, src, rows, cols, (rows + 15) / 16, threads);
#endif
    run_layout(along_rows_transposed, dst, src, rows, cols, (rows + 15) / 16, threads);
}

void ann_bf16_pairs_down_columns(uint32_t *dst, const float *src, int rows, int cols, int threads) {
#if HAS_BF16_PATH
    if (has_avx512_bf16()) return run_layout(down_columns_bf16, dst, src, rows, cols, (rows + 1) / 2, threads);
#endif
    run_layout(down_columns, dst, src, rows, cols, (rows + 1) / 2, threads);
}

void ann_bf16_pairs_down_columns_transposed(uint32_t *dst, const float *src, int rows, int cols, int threads) {
#if HAS_BF16_PATH
    if (has_avx512_bf16())
        return run_layout(down_columns_transposed_bf16, dst, src, rows, cols, (cols + 15) / 16, threads);
#endif
    run_layout(down_columns_transposed, dst, src, rows, cols, (cols + 31) / 32, threads);
}

typedef void (*columns_worker)(const bf16_product *, int, int);

static columns_worker worker_for(int path) {
#if HAS_AMX_PATH
    if (path == ANN_BF16_AMX && has_amx()) return amx_columns;
#endif
#if HAS_BF16_PATH
    if ((path == ANN_BF16_AVX512 || path == ANN_BF16_AMX) && has_avx512_bf16()) return dpbf16_columns;
#endif
    (void)path;
    return portable_columns;
}

static void run_product(bf16_product p, int path, int threads) {
    columns_worker work = worker_for(path);
#if HAS_AMX_PATH
    int rows_first = work == amx_columns;
#else
    int rows_first = 0;
#endif
    if (threads <= 1) {
        work(&p, 0, p.N);
        return;
    }
    uint64_t mode = ann_fp_mode();
    #pragma omp parallel num_threads(threads)
    {
        uint64_t ownMode = ann_team_adopt_fp_mode(mode);
        size_t first, last;
        if (p.transposed || (rows_first && p.M >= 32 * threads)) {
            // Bands of 16 rows of A where there are two a thread or more: a
            // thread then reads only its rows of A and writes only its rows
            // of C, much as the layouts that made them shared their rows,
            // rather than pulling half its operands from another core's
            // cache (AMX, 2 threads, Emerald Rapids: an epoch 11% faster;
            // the other paths, unmeasured, keep columns). A transposed
            // product (a forward pass, A the weights) always.
            ann_team_share(((size_t)p.M + 15) / 16, &first, &last);
            int r0 = (int)first * 16, r1 = (int)last * 16 < p.M ? (int)last * 16 : p.M;
            if (r0 < r1) {
                bf16_product band = p;
                band.A += (size_t)r0 * p.pairs;
                if (p.transposed) {
                    band.C += r0;
                    if (band.bias) band.bias += r0;
                } else {
                    band.C += (size_t)r0 * p.N;
                    if (band.gate) band.gate += (size_t)r0 * p.N;
                }
                band.M = r1 - r0;
                work(&band, 0, p.N);
            }
        } else {
            // Shares of whole 16-column vectors, so that a thread's tiles are
            // those one thread would run.
            ann_team_share(((size_t)p.N + 15) / 16, &first, &last);
            size_t end = last * 16 < (size_t)p.N ? last * 16 : (size_t)p.N;
            if (first * 16 < end) work(&p, (int)(first * 16), (int)end);
        }
        ann_team_restore_fp_mode(ownMode, mode);
    }
}

void ann_gemm_bf16(float *C, const uint32_t *A, const uint32_t *B, const float *bias, const float *gate,
                   int M, int N, int pairs, int activation, int path, int threads) {
    bf16_product p = {
        .C = C, .A = A, .B = B, .bias = bias, .gate = gate, .M = M, .N = N, .pairs = pairs, .activation = activation,
    };
    run_product(p, path, threads);
}

void ann_gemm_bf16_transposed(float *C, const uint32_t *A, const uint32_t *B, const float *bias, int M, int N,
                              int pairs, int activation, int path, int threads) {
    bf16_product p = {
        .C = C, .A = A, .B = B, .bias = bias, .M = M, .N = N, .pairs = pairs, .activation = activation,
        .transposed = 1, .ldc = M,
    };
    run_product(p, path, threads);
}
