import CANNKernels
import Testing

@testable import ANN

/// Per-thread copies of a layer's input (`x_copy_stride`, and the gather
/// that writes them): the same results as one shared input, bit for bit.
@Suite("Per-thread input copies")
struct InputCopyTests {
    /// An odd distance between copies, so that nothing relies on alignment.
    static func copies(of X: [Float], count: Int, stride: Int) -> [Float] {
        var all = [Float](repeating: .nan, count: (count - 1) * stride + X.count)
        for c in 0..<count { all.replaceSubrange((c * stride)..<(c * stride + X.count), with: X) }
        return all
    }

    /// The size of the team OpenMP forms when asked for `threads` (the
    /// sanitizer runs cap it at 1).
    static func team(_ threads: Int32) -> Int32 {
        var forkJoin = 0.0, barrier = 0.0
        return ann_openmp_sync_latency(threads, 5, &forkJoin, &barrier)
    }

    @Test("dense kernels reading a copy per thread match one shared input",
          arguments: [(64, 784, 256), (17, 31, 29), (7, 13, 11), (3, 5, 7)], [1, 2, 3] as [Int32])
    func denseKernels(shape: (Int, Int, Int), threads: Int32) {
        let (B, n, m) = shape
        let X = randomFloats(B * n, seed: 31).map { abs($0) }, W = randomFloats(m * n, seed: 32)
        let b = randomFloats(m, seed: 33), dY = randomFloats(B * m, seed: 34), V = randomFloats(m * n, seed: 35)
        let stride = B * n + 5
        let copied = Self.copies(of: X, count: Int(threads), stride: stride)
        func run(_ input: [Float], _ copyStride: Int) -> [Float] {
            var Y = [Float](repeating: .nan, count: B * m), dW = [Float](repeating: .nan, count: m * n)
            var db = [Float](repeating: .nan, count: m), dX = [Float](repeating: .nan, count: B * n)
            var stepX = dX, stepW = W, stepV = V, stepB = db
            let kind = Int32(ANN_TANH)
            ann_dense_forward(&Y, input, copyStride, W, b, Int32(B), Int32(n), Int32(m), kind, threads)
            ann_dense_backward(&dX, &dW, &db, dY, input, copyStride, W, Int32(B), Int32(n), Int32(m), kind, 0, threads)
            ann_dense_backward_sgd(
                &stepX, &stepW, &stepV, &stepB, dY, input, copyStride, Int32(B), Int32(n), Int32(m), kind, 0.9, 0.05, threads)
            return Y + dW + db + dX + stepX + stepW + stepV + stepB
        }
        #expect(run(copied, stride) == run(X, 0))
    }

    /// The stride must really be followed: a poisoned second copy shows up in
    /// a two-thread team's output, and never in one thread's.
    @Test("thread t reads copy t, and one thread only the first")
    func eachThreadReadsItsCopy() {
        let (B, n, m) = (8, 40, 32)
        let X = randomFloats(B * n, seed: 36), W = randomFloats(m * n, seed: 37), b = randomFloats(m, seed: 38)
        var poisoned = Self.copies(of: X, count: 2, stride: B * n)
        for i in (B * n)..<(2 * B * n) { poisoned[i] = .nan }
        func forward(_ threads: Int32) -> [Float] {
            var Y = [Float](repeating: 0, count: B * m)
            ann_dense_forward(&Y, poisoned, B * n, W, b, Int32(B), Int32(n), Int32(m), Int32(ANN_IDENTITY), threads)
            return Y
        }
        #expect(forward(1).allSatisfy { $0.isFinite })
        if Self.team(2) == 2 {
            #expect(forward(2).contains { $0.isNaN })
        }
    }

    @Test("the gather writes every copy whole, and nothing between them", arguments: [1, 2, 3, 4] as [Int32])
    func gatherCopies(threads: Int32) {
        // 64 rows of 300 bytes: enough for the gather to form a team.
        let features = 300, samples = 100, rows = 64, copies = 3
        let bytes = (0..<(features * samples)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let indices: [Int32] = (0..<rows).map { Int32(($0 * 41) % samples) }
        var single = [Float](repeating: .nan, count: rows * features)
        ann_gather_bytes(&single, 1, 0, bytes, indices, 0, Int32(rows), features, 0.25, threads)
        let stride = rows * features + 7
        var all = [Float](repeating: .nan, count: copies * stride)
        ann_gather_bytes(&all, Int32(copies), stride, bytes, indices, 0, Int32(rows), features, 0.25, threads)
        for c in 0..<copies {
            // A Bool, so that a failure does not print 19,200 floats.
            let whole = Array(all[(c * stride)..<(c * stride + rows * features)]) == single
            #expect(whole, "copy \(c)")
            if c + 1 < copies {
                #expect(all[(c * stride + rows * features)..<((c + 1) * stride)].allSatisfy { $0.isNaN }, "gap after copy \(c)")
            }
        }
        let expected = indices.flatMap { index in
            bytes[(Int(index) * features)..<((Int(index) + 1) * features)].map { Float($0) * 0.25 }
        }
        let gathered = single == expected
        #expect(gathered)
    }

    @Test("a trainer keeps a copy per OpenMP thread only while a copy is small")
    func copyPolicy() throws {
        let mnist = try NetworkArchitecture(layerSizes: [784, 256, 128, 10])
        func copies(_ threads: Int, _ batch: Int, _ fanOut: ShardPlan.FanOut, _ architecture: NetworkArchitecture = mnist) -> Int {
            ShardWorkspace.inputCopies(
                plan: ShardPlan(threads: threads, batchSize: batch, fanOut: fanOut, cores: 8), architecture: architecture)
        }
        #expect(copies(2, 64, .openmp) == 2)
        #expect(copies(4, 64, .openmp) == 4)
        #expect(copies(1, 64, .openmp) == 1)
        #expect(copies(2, 64, .shards) == 1)
        // 128 rows of 784 floats are 392 KB.
        #expect(copies(2, 128, .openmp) == 1)
        // A lone softmax layer reads its inputs in the fused output step.
        #expect(copies(2, 64, .openmp, try NetworkArchitecture(layerSizes: [784, 10])) == 1)
        #expect(copies(2, 64, .openmp, try NetworkArchitecture(layerSizes: [784, 10], loss: .meanSquaredError)) == 2)
    }

    /// MNIST-sized rows, so that the gather splits the copies over a team.
    @Test("training on wide byte rows with input copies changes no bit",
          .enabled(if: ShardPlan.availableCores > 1, "one core: the trainer would run a single thread"))
    func trainingWithCopies() throws {
        let features = 784, samples = 256
        var generator = SeededGenerator(seed: 5)
        let pixels = (0..<(features * samples)).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 40) }
        let labels = (0..<samples).map { UInt8($0 % 10) }
        let data = try LabeledDataset(pixels: pixels, labels: labels, featureCount: features, imageShape: [28, 28])
        let architecture = try NetworkArchitecture(layerSizes: [784, 24, 10])
        func train(_ threads: Int) throws -> [Float] {
            var settings = TrainerTests.configuration(threads: threads, epochs: 1, batch: 32, fanOut: .openmp)
            settings.validationSize = 0
            let trainer = try Trainer(network: Network(architecture: architecture, seed: 3), configuration: settings)
            return try trainer.train(on: data).network.parameters
        }
        #expect(ShardWorkspace.inputCopies(
            plan: ShardPlan(threads: 2, batchSize: 32, fanOut: .openmp, cores: 2), architecture: architecture) == 2)
        #expect(try train(2) == train(1))
    }
}
