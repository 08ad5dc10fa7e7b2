import CANNKernels
import CANNReference
import Testing

/// The activations live in the dense kernels' epilogues: through a layer
/// whose weights are the identity (and no bias), the forward pass is g(x)
/// exactly (each sum is x plus zeros), and the backward pass dy · g'(y).
func throughIdentityLayer(_ x: [Float], kind: Int32, threads: Int32) -> [Float] {
    let n = x.count
    var identity = [Float](repeating: 0, count: n * n)
    for i in 0..<n { identity[i * n + i] = 1 }
    var y = [Float](repeating: .nan, count: n)
    ann_dense_forward(&y, x, identity, nil, 1, Int32(n), Int32(n), kind, threads)
    return y
}

func gradientThroughIdentityLayer(_ dy: [Float], outputs y: [Float], kind: Int32, threads: Int32) -> [Float] {
    let n = dy.count
    var identity = [Float](repeating: 0, count: n * n)
    for i in 0..<n { identity[i * n + i] = 1 }
    var dx = [Float](repeating: .nan, count: n), dW = identity, db = [Float](repeating: 0, count: n)
    ann_dense_backward(&dx, &dW, &db, dy, y, identity, 1, Int32(n), Int32(n), kind, threads)
    return dx
}

@Suite("Activation, loss and optimiser kernels match their reference twins")
struct ElementwiseKernelTests {
    static let activations: [(name: String, kind: Int32)] = [
        ("relu", Int32(ANN_RELU)), ("tanh", Int32(ANN_TANH)), ("sigmoid", Int32(ANN_SIGMOID)),
    ]

    @Test(arguments: activations.indices, [1, 7, 8, 33, 300])
    func activation(index: Int, count: Int) {
        let (name, kind) = Self.activations[index]
        // Wide inputs, including the saturated tails and exact zero.
        var x = randomFloats(count, seed: UInt64(count), scale: 30)
        x[0] = 0
        var reference = [Float](repeating: .nan, count: count)
        ann_ref_activate(&reference, x, count, kind)
        #expect(maxRelativeError(throughIdentityLayer(x, kind: kind, threads: 2), reference) < 1e-6, "\(name) forward")

        let dy = randomFloats(count, seed: 99)
        var refBack = [Float](repeating: .nan, count: count)
        ann_ref_activation_backward(&refBack, dy, reference, count, kind)
        let back = gradientThroughIdentityLayer(dy, outputs: reference, kind: kind, threads: 2)
        #expect(maxRelativeError(back, refBack) < 1e-6, "\(name) backward")
    }

    @Test("activations saturate without inf or NaN")
    func extremes() {
        let x: [Float] = [-1e30, -200, -88, 88, 200, 1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for (name, kind) in Self.activations {
            #expect(throughIdentityLayer(x, kind: kind, threads: 1).allSatisfy { $0.isFinite }, "\(name)")
        }
    }

    @Test(arguments: [(1, 1), (1, 10), (3, 10), (17, 3), (37, 10), (64, 10)])
    func softmaxCrossEntropy(rows: Int, classes: Int) {
        var z = randomFloats(rows * classes, seed: 3, scale: 20)
        z[0] = 90  // far beyond exp's range: stability by the max shift
        let labels = (0..<rows).map { Int32($0 % classes) }
        var p = [Float](repeating: .nan, count: rows * classes), dz = p, refP = p, refDz = p
        let loss = ann_softmax_cross_entropy(&p, &dz, z, labels, Int32(rows), Int32(classes), 0.5)
        let refLoss = ann_ref_softmax_cross_entropy(&refP, &refDz, z, labels, Int32(rows), Int32(classes), 0.5)
        #expect(abs(loss - refLoss) <= 1e-5 * max(1, abs(refLoss)))
        #expect(maxRelativeError(p, refP) < 1e-6)
        #expect(maxRelativeError(dz, refDz) < 1e-6)
        var forwardOnly = [Float](repeating: .nan, count: rows * classes)
        ann_softmax_forward(&forwardOnly, z, Int32(rows), Int32(classes))
        #expect(forwardOnly == p)
    }

    @Test(arguments: [(1, 1), (2, 10), (13, 7)])
    func softmaxBackwardAndMSE(rows: Int, classes: Int) {
        let n = rows * classes
        let p = randomFloats(n, seed: 4).map { abs($0) }, dp = randomFloats(n, seed: 5)
        var dz = [Float](repeating: .nan, count: n), refDz = dz
        ann_softmax_backward(&dz, dp, p, Int32(rows), Int32(classes))
        ann_ref_softmax_backward(&refDz, dp, p, Int32(rows), Int32(classes))
        #expect(maxRelativeError(dz, refDz) < 1e-6)

        let y = randomFloats(n, seed: 6), t = randomFloats(n, seed: 7)
        var dy = [Float](repeating: .nan, count: n), refDy = dy
        let loss = ann_mse(&dy, y, t, Int32(rows), Int32(classes), 0.25)
        let refLoss = ann_ref_mse(&refDy, y, t, Int32(rows), Int32(classes), 0.25)
        #expect(abs(loss - refLoss) <= 1e-5 * max(1, refLoss))
        #expect(maxRelativeError(dy, refDy) < 1e-6)
    }

    @Test(arguments: [1, 7, 100, 70_000])
    func sgdMomentumStep(count: Int) {
        var w = randomFloats(count, seed: 1), v = randomFloats(count, seed: 2)
        w[0] = 0  // L1's subgradient at zero is zero
        let g = randomFloats(count, seed: 3)
        var refW = w, refV = v
        ann_sgd_momentum_step(&w, &v, g, count, 0.1, 0.9, 0.01, 0.001, 2)
        ann_ref_sgd_momentum_step(&refW, &refV, g, count, 0.1, 0.9, 0.01, 0.001)
        #expect(maxRelativeError(w, refW) < 1e-6)
        #expect(maxRelativeError(v, refV) < 1e-6)
    }

    @Test(arguments: [1, 5, 2049, 10_000], [1, 2, 3])
    func sumInto(count: Int, sources: Int) {
        let inputs = (0..<sources).map { randomFloats(count, seed: UInt64(10 + $0)) }
        var fast = randomFloats(count, seed: 1), reference = fast
        inputs.withUnsafeBufferPointers { pointers in
            ann_sum_into(&fast, pointers, Int32(sources), count)
            ann_ref_sum_into(&reference, pointers, Int32(sources), count)
        }
        // Same order of additions: equal to the bit.
        #expect(fast == reference)
    }

    @Test("gather picks rows by index or from a start, with any thread count", arguments: [1, 2, 3])
    func gatherBytes(threads: Int) {
        let features = 300, samples = 100
        let bytes = (0..<(features * samples)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let indices: [Int32] = (0..<64).map { Int32(($0 * 37) % samples) }
        var byIndex = [Float](repeating: .nan, count: 64 * features)
        ann_gather_bytes(&byIndex, bytes, indices, 0, 64, features, 0.5, Int32(threads))
        var fromStart = [Float](repeating: .nan, count: 10 * features)
        ann_gather_bytes(&fromStart, bytes, nil, 90, 10, features, 0.5, Int32(threads))
        for row in 0..<64 {
            let sample = Int(indices[row])
            #expect(Array(byIndex[(row * features)..<((row + 1) * features)])
                    == bytes[(sample * features)..<((sample + 1) * features)].map { Float($0) * 0.5 })
        }
        #expect(fromStart == bytes[(90 * features)...].map { Float($0) * 0.5 })
    }

    @Test func bytesToFloatsAndArgmax() {
        let bytes: [UInt8] = [0, 1, 128, 255]
        var floats = [Float](repeating: .nan, count: 4)
        ann_gather_bytes(&floats, bytes, nil, 0, 1, 4, 1.0 / 255.0, 1)
        #expect(floats == bytes.map { Float($0) * (Float(1) / 255) })
        var best = [Int32](repeating: -1, count: 3)
        ann_argmax_rows(&best, [1, 3, 3, 0, 0, -1, 2, 9, 9], 3, 3)
        #expect(best == [1, 0, 1])  // ties go to the first
    }
}

extension Array where Element == [Float] {
    /// Calls `body` with a C array of pointers to each inner array's storage.
    func withUnsafeBufferPointers(_ body: (UnsafePointer<UnsafePointer<Float>?>) -> Void) {
        var pointers: [UnsafePointer<Float>?] = []
        func nest(_ index: Int) {
            if index == count {
                pointers.withUnsafeBufferPointer { buffer in
                    if let base = buffer.baseAddress { body(base) }
                }
                return
            }
            self[index].withUnsafeBufferPointer { buffer in
                pointers.append(buffer.baseAddress)
                nest(index + 1)
            }
        }
        nest(0)
    }
}
