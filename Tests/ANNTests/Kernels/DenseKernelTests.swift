import CANNKernels
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
            ann_dense_forward(&fast, X, 0, W, b, Int32(B), Int32(n), Int32(m), kind, Int32(threads))
            ann_ref_dense_forward(&reference, X, W, b, Int32(B), Int32(n), Int32(m), kind)
            #expect(maxRelativeError(fast, reference) < 1e-5, "activation \(kind)")
        }
    }

    @Test(arguments: denseShapes.indices, [false, true])
    func backward(shapeIndex: Int, accumulate: Bool) {
        let (B, n, m) = denseShapes[shapeIndex]
        // Inputs in (0, 1) so that every activation's slope formula applies to them.
        let X = randomFloats(B * n, seed: 4).map { abs($0) }, W = randomFloats(m * n, seed: 5), dY = randomFloats(B * m, seed: 6)
        for kind in Self.kinds {
        var dW = randomFloats(m * n, seed: 7), db = randomFloats(m, seed: 8)
        var refW = dW, refB = db
        var dX = [Float](repeating: .nan, count: B * n), refX = dX
        ann_dense_backward(&dX, &dW, &db, dY, X, 0, W, Int32(B), Int32(n), Int32(m), kind, accumulate ? 1 : 0, 2)
        ann_ref_dense_backward(&refX, &refW, &refB, dY, X, W, Int32(B), Int32(n), Int32(m), kind, accumulate ? 1 : 0)
        #expect(maxRelativeError(dW, refW) < 1e-5)
        #expect(maxRelativeError(db, refB) < 1e-5)
        #expect(maxRelativeError(dX, refX) < 1e-5)
        }
    }

    @Test("backward without dX leaves the input gradient alone")
    func backwardSkipsInputGradient() {
        let (B, n, m) = (5, 9, 4)
        var dW = [Float](repeating: 0, count: m * n), db = [Float](repeating: 0, count: m)
        ann_dense_backward(nil, &dW, &db, randomFloats(B * m, seed: 1), randomFloats(B * n, seed: 2), 0,
                           randomFloats(m * n, seed: 3), Int32(B), Int32(n), Int32(m), Int32(ANN_IDENTITY), 0, 1)
        #expect(dW.contains { $0 != 0 })
    }

    /// The backward pass that takes the weights' step must be exactly the
    /// plain backward pass followed by the optimiser (so training with it
    /// changes no bit), on every shape and team: the deep sliced shape, and
    /// bands narrower than a row block (the small shapes on 3 threads).
    @Test("the backward pass with the SGD step equals the plain backward and the optimiser, bit for bit",
          arguments: denseShapes.indices, [1, 2, 3])
    func backwardWithStep(shapeIndex: Int, threads: Int) {
        let (B, n, m) = denseShapes[shapeIndex]
        let X = randomFloats(B * n, seed: 13).map { abs($0) }, startW = randomFloats(m * n, seed: 14)
        let dY = randomFloats(B * m, seed: 15), startV = randomFloats(m * n, seed: 16)
        var W = startW, V = startV
        var db = [Float](repeating: .nan, count: m), dX = [Float](repeating: .nan, count: B * n)
        ann_dense_backward_sgd(&dX, &W, &V, &db, dY, X, 0, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), 0.9, 0.05, Int32(threads))

        var dW = [Float](repeating: .nan, count: m * n), plainB = db, plainX = dX
        ann_dense_backward(&plainX, &dW, &plainB, dY, X, 0, startW, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), 0, Int32(threads))
        var plainW = startW, plainV = startV
        ann_sgd_momentum_step(&plainW, &plainV, dW, m * n, 0.05, 0.9, 0, 0, 1)
        #expect(W == plainW)
        #expect(V == plainV)
        #expect(db == plainB)
        #expect(dX == plainX)

        var refW = startW, refV = startV, refB = db, refX = dX
        ann_ref_dense_backward_sgd(&refX, &refW, &refV, &refB, dY, X, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), 0.9, 0.05)
        #expect(maxRelativeError(V, refV) < 1e-5)
        #expect(maxRelativeError(W, refW) < 1e-5)
        #expect(maxRelativeError(dX, refX) < 1e-5)
    }

    /// The first layer (no dX, so no barrier before the step) with every
    /// activation, and momentum 0 (the old velocity then is not read).
    @Test("the SGD backward without dX, any momentum and activation, equals the plain path",
          arguments: [(64, 784, 256), (7, 13, 11), (3, 5, 7)], [0, 0.9] as [Float])
    func backwardWithStepFirstLayer(shape: (Int, Int, Int), momentum: Float) {
        let (B, n, m) = shape
        let X = randomFloats(B * n, seed: 18).map { abs($0) }, startW = randomFloats(m * n, seed: 19)
        let dY = randomFloats(B * m, seed: 20), startV = randomFloats(m * n, seed: 21)
        for kind in Self.kinds {
            for threads: Int32 in [1, 2, 3] {
                var W = startW, V = startV, db = [Float](repeating: .nan, count: m)
                ann_dense_backward_sgd(nil, &W, &V, &db, dY, X, 0, Int32(B), Int32(n), Int32(m), kind, momentum, 0.05, threads)
                var dW = [Float](repeating: .nan, count: m * n), plainB = db, plainW = startW, plainV = startV
                ann_dense_backward(nil, &dW, &plainB, dY, X, 0, startW, Int32(B), Int32(n), Int32(m), kind, 0, threads)
                ann_sgd_momentum_step(&plainW, &plainV, dW, m * n, 0.05, momentum, 0, 0, 1)
                #expect(W == plainW && V == plainV && db == plainB, "activation \(kind), \(threads) threads")
            }
        }
    }

    /// The trainer moves the step of every layer with dX out of its backward
    /// pass and into the next forward pass: the two halves together must be
    /// the plain path to the bit, whatever the team.
    @Test("the momentum backward and the stepped forward equal the SGD backward and the plain forward",
          arguments: denseShapes.indices)
    func deferredStep(shapeIndex: Int) {
        let (B, n, m) = denseShapes[shapeIndex]
        let X = randomFloats(B * n, seed: 22).map { abs($0) }, startW = randomFloats(m * n, seed: 23)
        let dY = randomFloats(B * m, seed: 24), startV = randomFloats(m * n, seed: 25), b = randomFloats(m, seed: 26)
        let nextX = randomFloats(B * n, seed: 27)
        for threads: Int32 in [1, 2, 3] {
            var sgdW = startW, sgdV = startV
            var sgdB = [Float](repeating: .nan, count: m), sgdX = [Float](repeating: .nan, count: B * n)
            ann_dense_backward_sgd(&sgdX, &sgdW, &sgdV, &sgdB, dY, X, 0, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU),
                                   0.9, 0.05, threads)
            var plainY = [Float](repeating: .nan, count: B * m)
            ann_dense_forward(&plainY, nextX, 0, sgdW, b, Int32(B), Int32(n), Int32(m), Int32(ANN_TANH), threads)

            var W = startW, V = startV
            var db = [Float](repeating: .nan, count: m), dX = [Float](repeating: .nan, count: B * n)
            ann_dense_backward_momentum(&dX, &V, &db, dY, X, 0, W, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU),
                                        0.9, threads)
            #expect(W == startW, "the momentum backward steps nothing (\(threads) threads)")
            #expect(V == sgdV && db == sgdB && dX == sgdX, "\(threads) threads")
            var Y = [Float](repeating: .nan, count: B * m)
            ann_dense_forward_stepped(&Y, nextX, 0, &W, V, 0.05, b, Int32(B), Int32(n), Int32(m), Int32(ANN_TANH),
                                      threads)
            #expect(W == sgdW, "\(threads) threads")
            #expect(Y == plainY, "\(threads) threads")
        }
    }

    /// A layer with no inputs has no tiles to carry the bias sums (and once
    /// divided by its zero strips).
    @Test("a layer without inputs still sums its bias gradient", arguments: [1, 2])
    func backwardWithoutInputs(threads: Int) {
        let (B, m) = (5, 9)
        let dY = randomFloats(B * m, seed: 17)
        // Zero-sized matrices: nothing to point at.
        var db = [Float](repeating: .nan, count: m), sgdB = db, refB = db
        ann_dense_backward(nil, nil, &db, dY, nil, 0, nil, Int32(B), 0, Int32(m), Int32(ANN_RELU), 0, Int32(threads))
        ann_dense_backward_sgd(nil, nil, nil, &sgdB, dY, nil, 0, Int32(B), 0, Int32(m), Int32(ANN_RELU), 0.9, 0.1, Int32(threads))
        ann_ref_dense_backward(nil, nil, &refB, dY, nil, nil, Int32(B), 0, Int32(m), Int32(ANN_RELU), 0)
        #expect(maxRelativeError(db, refB) < 1e-6)
        #expect(sgdB == db)
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
            ann_dense_forward(&Y, X, 0, W, b, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), threads)
            ann_dense_backward(&dX, &dW, &db, dY, X, 0, W, Int32(B), Int32(n), Int32(m), Int32(ANN_RELU), 0, threads)
            return Y + dW + db + dX
        }
        let one = run(1)
        for threads: Int32 in [2, 3] {
            #expect(run(threads) == one, "\(threads) threads")
        }
    }
}
