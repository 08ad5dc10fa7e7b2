import CANNKernels
import CANNReference
import Testing

/// The shapes the tests sweep: the default network's, single rows, sizes
/// that leave remainders after every tile and vector width, and one deep
/// enough (batch 300, 150 outputs) that the gradient products and the
/// forward pass are cut into slices and panels.
let denseShapes: [(batch: Int, inputs: Int, outputs: Int)] = [
    (1, 1, 1), (1, 784, 256), (3, 5, 7), (4, 8, 3), (5, 25, 13), (7, 13, 11),
    (17, 31, 29), (32, 784, 256), (64, 256, 128), (64, 128, 10), (9, 100, 1),
    (300, 37, 150),
]

@Suite("Dense kernels match their reference twins")
struct DenseKernelTests {
    static let kinds = [ANN_IDENTITY, ANN_RELU, ANN_TANH, ANN_SIGMOID].map(Int32.init)

    @Test(arguments: denseShapes.indices, [1, 2, 3])
    func forward(shapeIndex: Int, threads: Int) {
        let (B, n, m) = denseShapes[shapeIndex]
        let X = randomFloats(B * n, seed: 1), W = randomFloats(m * n, seed: 2), b = randomFloats(m, seed: 3)
        for kind in Self.kinds {
            var fast = [Float](repeating: .nan, count: B * m), reference = fast
            ann_dense_forward(&fast, X, W, b, Int32(B), Int32(n), Int32(m), kind, Int32(threads))
            ann_ref_dense_forward(&reference, X, W, b, Int32(B), Int32(n), Int32(m), kind)
            #expect(maxRelativeError(fast, reference) < 1e-5, "activation \(kind)")
        }
    }

    @Test(arguments: denseShapes.indices, [1, 2, 3])
    func backward(shapeIndex: Int, threads: Int) {
        let (B, n, m) = denseShapes[shapeIndex]
        // Inputs in (0, 1) so that every activation's slope formula applies to them.
        let X = randomFloats(B * n, seed: 4).map { abs($0) }, W = randomFloats(m * n, seed: 5), dY = randomFloats(B * m, seed: 6)
        for kind in Self.kinds {
            var dW = [Float](repeating: .nan, count: m * n), db = [Float](repeating: .nan, count: m)
            var refW = dW, refB = db
            var dX = [Float](repeating: .nan, count: B * n), refX = dX
            ann_dense_backward(&dX, &dW, &db, dY, X, W, Int32(B), Int32(n), Int32(m), kind, Int32(threads))
            ann_ref_dense_backward(&refX, &refW, &refB, dY, X, W, Int32(B), Int32(n), Int32(m), kind)
            #expect(maxRelativeError(dW, refW) < 1e-5, "activation \(kind)")
            #expect(maxRelativeError(db, refB) < 1e-5, "activation \(kind)")
            #expect(maxRelativeError(dX, refX) < 1e-5, "activation \(kind)")
        }
    }

    @Test("backward without dX leaves the input gradient alone")
    func backwardSkipsInputGradient() {
        let (B, n, m) = (5, 9, 4)
        var dW = [Float](repeating: 0, count: m * n), db = [Float](repeating: 0, count: m)
        ann_dense_backward(nil, &dW, &db, randomFloats(B * m, seed: 1), randomFloats(B * n, seed: 2),
                           randomFloats(m * n, seed: 3), Int32(B), Int32(n), Int32(m), Int32(ANN_IDENTITY), 1)
        #expect(dW.contains { $0 != 0 })
    }

    /// A layer with no inputs has no tiles to carry the bias sums (and once
    /// divided by its zero strips).
    @Test("a layer without inputs still sums its bias gradient", arguments: [1, 2])
    func backwardWithoutInputs(threads: Int) {
        let (B, m) = (5, 9)
        let dY = randomFloats(B * m, seed: 17)
        // Zero-sized matrices: nothing to point at.
        var db = [Float](repeating: .nan, count: m), refB = db
        ann_dense_backward(nil, nil, &db, dY, nil, nil, Int32(B), 0, Int32(m), Int32(ANN_RELU), Int32(threads))
        ann_ref_dense_backward(nil, nil, &refB, dY, nil, nil, Int32(B), 0, Int32(m), Int32(ANN_RELU))
        #expect(maxRelativeError(db, refB) < 1e-6)
    }

    /// Threads split the forward pass by columns and the backward tiles by
    /// bands of rows, down to shares narrower than a tile (the small shapes
    /// have fewer row blocks than 3 threads); every element must still be
    /// computed the same way. (Teams much larger than the cores make libomp
    /// keep per-thread blocks to exit, which LeakSanitizer reports.)
    @Test("results do not depend on the OpenMP thread count", arguments: denseShapes.indices)
    func threadCountIndependence(shapeIndex: Int) {
        let (B, n, m) = denseShapes[shapeIndex]
        let X = randomFloats(B * n, seed: 9), W = randomFloats(m * n, seed: 10), b = randomFloats(m, seed: 11)
        let dY = randomFloats(B * m, seed: 12)
        func run(_ threads: Int32) -> [Float] {
            var Y = [Float](repeating: 0, count: B * m), dW = [Float](repeating: 0, count: m * n)
            var db = [Float](repeating: 0, count: m), dX = [Float](repeating: 0, count: B * n)
            ann_dense_forward(&Y, X, W, b, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), threads)
            ann_dense_backward(&dX, &dW, &db, dY, X, W, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), threads)
            return Y + dW + db + dX
        }
        let one = run(1)
        for threads: Int32 in [2, 3] {
            #expect(run(threads) == one, "\(threads) threads")
        }
    }
}
