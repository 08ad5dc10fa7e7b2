import CANNKernels
import CANNReference
import Testing

/// Rounds to bfloat16 the way the kernels must: to nearest, ties to even.
func bfloat16(_ x: Float) -> UInt32 {
    let bits = x.bitPattern
    return (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
}

func float(bfloat16 h: UInt32) -> Float { Float(bitPattern: h << 16) }

/// The paths this CPU can run: the portable one everywhere, VDPBF16PS where
/// it has AVX512-BF16, and AMX tiles too where it has them (every AMX CPU
/// has AVX512-BF16).
let bf16Paths: [Int32] = Array(Int32(ANN_BF16_PORTABLE)...ann_bf16_path())

@Suite("bfloat16 products and layouts match their reference")
struct BFloat16KernelTests {
    /// A matrix with an odd number of rows and of columns, so that every
    /// layout pads its last pair, and with whole blocks of 16 rows and of
    /// 16 pairs before the edges, so that the transposed layouts run both
    /// their block and their edge code.
    static let (rows, cols) = (37, 77)
    static let matrix = randomFloats(rows * cols, seed: 3)

    static func pair(_ even: Float, _ odd: Float) -> UInt32 { bfloat16(even) | bfloat16(odd) << 16 }
    static func at(_ r: Int, _ c: Int) -> Float { r < rows && c < cols ? matrix[r * cols + c] : 0 }

    @Test("rounding is to nearest even; each layout pairs and pads as documented")
    func layouts() {
        // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: even is 1.
        var tie = [UInt32](repeating: 0, count: 1)
        ann_bf16_pairs_along_rows(&tie, [1.00390625, 1.01171875], 1, 2, 1)
        #expect(tie == [0x3F82_3F80])
        // A subnormal becomes a zero of its sign, as bfloat16 instructions read
        // it; a signalling NaN is quietened; an infinity stays one.
        let specials: [Float] = [-0x1p-130, .infinity, .signalingNaN, 0x1p-127]
        var alongSpecial = [UInt32](repeating: 0, count: 2), downSpecial = alongSpecial
        ann_bf16_pairs_along_rows(&alongSpecial, specials, 1, 4, 1)
        ann_bf16_pairs_down_columns(&downSpecial, specials, 2, 2, 1)
        #expect(alongSpecial == [0x7F80_8000, 0x0000_7FE0])
        #expect(downSpecial == [0x7FE0_8000, 0x0000_7F80])
        let (R, C) = (Self.rows, Self.cols), (rowPairs, colPairs) = ((R + 1) / 2, (C + 1) / 2)
        var along = [UInt32](repeating: 0, count: R * colPairs), alongT = along
        ann_bf16_pairs_along_rows(&along, Self.matrix, Int32(R), Int32(C), 1)
        ann_bf16_pairs_along_rows_transposed(&alongT, Self.matrix, Int32(R), Int32(C), 1)
        for r in 0..<R {
            for q in 0..<colPairs {
                let expected = Self.pair(Self.at(r, 2 * q), Self.at(r, 2 * q + 1))
                #expect(along[r * colPairs + q] == expected && alongT[q * R + r] == expected)
            }
        }
        var down = [UInt32](repeating: 0, count: rowPairs * C), downT = down
        ann_bf16_pairs_down_columns(&down, Self.matrix, Int32(R), Int32(C), 1)
        ann_bf16_pairs_down_columns_transposed(&downT, Self.matrix, Int32(R), Int32(C), 1)
        for q in 0..<rowPairs {
            for c in 0..<C {
                let expected = Self.pair(Self.at(2 * q, c), Self.at(2 * q + 1, c))
                #expect(down[q * C + c] == expected && downT[c * rowPairs + q] == expected)
            }
        }
    }

    @Test("each layout writes the same words on any number of threads")
    func layoutsOnThreads() {
        let (R, C) = (131, 150)
        let matrix = randomFloats(R * C, seed: 11)
        let layouts: [(UnsafeMutablePointer<UInt32>?, UnsafePointer<Float>?, Int32, Int32, Int32) -> Void] = [
            ann_bf16_pairs_along_rows, ann_bf16_pairs_along_rows_transposed,
            ann_bf16_pairs_down_columns, ann_bf16_pairs_down_columns_transposed,
        ]
        for (index, layout) in layouts.enumerated() {
            var one = [UInt32](repeating: 7, count: (R + 1) * (C + 1) / 2), three = one
            layout(&one, matrix, Int32(R), Int32(C), 1)
            layout(&three, matrix, Int32(R), Int32(C), 3)
            #expect(one == three, "layout \(index)")
        }
    }

    /// Every element sums 2·pairs exact products in fp32: within a few
    /// ulps per term of the twin's double-precision sum.
    @Test(arguments: denseShapes.indices, [1, 2, 3])
    func product(shapeIndex: Int, threads: Int) {
        let (M, K, N) = denseShapes[shapeIndex]
        let pairs = (K + 1) / 2
        var A = [UInt32](repeating: 0, count: M * pairs), B = [UInt32](repeating: 0, count: pairs * N)
        ann_bf16_pairs_along_rows(&A, randomFloats(M * K, seed: 4), Int32(M), Int32(K), 1)
        ann_bf16_pairs_down_columns(&B, randomFloats(K * N, seed: 5), Int32(K), Int32(N), 1)
        let bias = randomFloats(N, seed: 6), gate = randomFloats(M * N, seed: 7).map { abs($0) }
        for path in bf16Paths {
            // A plain product (a weight gradient's), with bias and an activation
            // (ReLU in the vectors, sigmoid lane by lane), and through a gate.
            let epilogues = [
                (Int32(ANN_IDENTITY), false, false), (Int32(ANN_RELU), true, false), (Int32(ANN_SIGMOID), true, false),
                (Int32(ANN_TANH), false, true),
            ]
            for (kind, withBias, withGate) in epilogues {
                var fast = [Float](repeating: .nan, count: M * N), reference = fast
                ann_gemm_bf16(&fast, A, B, withBias ? bias : nil, withGate ? gate : nil,
                              Int32(M), Int32(N), Int32(pairs), kind, path, Int32(threads))
                ann_ref_gemm_bf16(&reference, A, B, withBias ? bias : nil, withGate ? gate : nil,
                                  Int32(M), Int32(N), Int32(pairs), kind)
                let tolerance = Float(2 * pairs + 1) * 0x1p-24 * 4
                #expect(maxRelativeError(fast, reference) <= tolerance,
                        "path \(path), activation \(kind), bias \(withBias), gate \(withGate)")
            }
        }
    }

    /// The transposed form: C (N, M), the bias along A's rows; held to the
    /// reference's plain product, turned over, with the bias and ReLU added here.
    @Test(arguments: denseShapes.indices, [1, 3])
    func transposedProduct(shapeIndex: Int, threads: Int) {
        let (M, K, N) = denseShapes[shapeIndex]
        let pairs = (K + 1) / 2
        var A = [UInt32](repeating: 0, count: M * pairs), B = [UInt32](repeating: 0, count: pairs * N)
        ann_bf16_pairs_along_rows(&A, randomFloats(M * K, seed: 12), Int32(M), Int32(K), 1)
        ann_bf16_pairs_down_columns(&B, randomFloats(K * N, seed: 13), Int32(K), Int32(N), 1)
        let bias = randomFloats(M, seed: 14)
        var plain = [Float](repeating: .nan, count: M * N)
        ann_ref_gemm_bf16(&plain, A, B, nil, nil, Int32(M), Int32(N), Int32(pairs), Int32(ANN_IDENTITY))
        for path in bf16Paths {
            for (kind, withBias) in [(Int32(ANN_IDENTITY), false), (Int32(ANN_RELU), true)] {
                var expected = [Float](repeating: 0, count: N * M)
                for i in 0..<M {
                    for j in 0..<N {
                        let sum = plain[i * N + j] + (withBias ? bias[i] : 0)
                        expected[j * M + i] = kind == Int32(ANN_RELU) ? max(sum, 0) : sum
                    }
                }
                var fast = [Float](repeating: .nan, count: N * M)
                ann_gemm_bf16_transposed(&fast, A, B, withBias ? bias : nil, Int32(M), Int32(N), Int32(pairs), kind,
                                         path, Int32(threads))
                let tolerance = Float(2 * pairs + 2) * 0x1p-24 * 4
                #expect(maxRelativeError(fast, expected) <= tolerance, "path \(path), activation \(kind)")
            }
        }
    }

    @Test("each path gives the same bits on any number of threads", arguments: denseShapes.indices)
    func threadCountIndependence(shapeIndex: Int) {
        let (M, K, N) = denseShapes[shapeIndex]
        let pairs = (K + 1) / 2
        var A = [UInt32](repeating: 0, count: M * pairs), B = [UInt32](repeating: 0, count: pairs * N)
        ann_bf16_pairs_along_rows(&A, randomFloats(M * K, seed: 8), Int32(M), Int32(K), 1)
        ann_bf16_pairs_down_columns(&B, randomFloats(K * N, seed: 9), Int32(K), Int32(N), 1)
        let bias = randomFloats(M, seed: 10)
        for path in bf16Paths {
            func run(_ threads: Int32) -> [Float] {
                var C = [Float](repeating: 0, count: M * N)
                ann_gemm_bf16(&C, A, B, nil, nil, Int32(M), Int32(N), Int32(pairs), Int32(ANN_RELU), path, threads)
                return C
            }
            let one = run(1)
            #expect(run(2) == one && run(3) == one, "path \(path)")
            // The transposed form, whose threads take bands of A's rows.
            func runTransposed(_ threads: Int32) -> [Float] {
                var C = [Float](repeating: 0, count: M * N)
                ann_gemm_bf16_transposed(&C, A, B, bias, Int32(M), Int32(N), Int32(pairs), Int32(ANN_RELU), path, threads)
                return C
            }
            let oneTransposed = runTransposed(1)
            #expect(runTransposed(2) == oneTransposed && runTransposed(3) == oneTransposed, "path \(path), transposed")
        }
    }
}
