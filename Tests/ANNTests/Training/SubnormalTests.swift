import CANNKernels
import Testing
@testable import ANN

/// 2⁻¹³⁰: a subnormal float, and one that stays nonzero under IEEE rules
/// through the sums below.
private let tiny = Float(sign: .plus, exponent: -130, significand: 1)

@Suite("Subnormal floats")
struct SubnormalTests {
    @Test("the engine's flush mode flushes on every OpenMP team thread of every kernel family", arguments: [1, 2, 3])
    func teamThreadsFlush(threads: Int) {
        #expect(tiny.isSubnormal)
        for subnormals in Subnormals.allCases {
            let flushed = subnormals == .flush
            FloatingPointMode.run(subnormals) {
                // Forward: subnormal inputs times large weights give normal
                // results unless the inputs are read as zero (DAZ, FZ).
                let (B, n, m) = (8, 64, 96)
                let X = [Float](repeating: tiny, count: B * n), W = [Float](repeating: 1e10, count: m * n)
                var Y = [Float](repeating: .nan, count: B * m)
                ann_dense_forward(&Y, X, W, nil, Int32(B), Int32(n), Int32(m), Int32(ANN_IDENTITY), Int32(threads))
                #expect(Y.allSatisfy { flushed ? $0 == 0 : $0 > 1e-29 }, "forward, \(subnormals)")

                // Backward: normal factors whose products are subnormal (FTZ).
                let small = [Float](repeating: 1e-20, count: B * m), inputs = [Float](repeating: 1e-20, count: B * n)
                var dW = [Float](repeating: .nan, count: m * n), db = [Float](repeating: .nan, count: m)
                var dX = [Float](repeating: .nan, count: B * n)
                ann_dense_backward(
                    &dX, &dW, &db, small, inputs, W, Int32(B), Int32(n), Int32(m), Int32(ANN_IDENTITY), Int32(threads))
                #expect(dW.allSatisfy { flushed ? $0 == 0 : $0 > 0 }, "weight gradient, \(subnormals)")

                // The optimiser's team splits blocks of 16384 and more.
                let count = 40_000
                var w = [Float](repeating: 0, count: count), v = [Float](repeating: tiny, count: count)
                let gradient = [Float](repeating: 0, count: count)
                ann_sgd_momentum_step(&w, &v, gradient, count, 1, 1, 0, 0, Int32(threads))
                #expect(w.allSatisfy { flushed ? $0 == 0 : $0 < 0 }, "optimiser, \(subnormals)")

                // The input gather's team splits the rows.
                let (rows, features) = (64, 300)
                let bytes = [UInt8](repeating: 1, count: rows * features)
                var gathered = [Float](repeating: .nan, count: rows * features)
                ann_gather_bytes(&gathered, bytes, nil, 0, Int32(rows), features, tiny, Int32(threads))
                #expect(gathered.allSatisfy { flushed ? $0 == 0 : $0 == tiny }, "gather, \(subnormals)")
            }
        }
    }

    /// A linear layer from W = 0, b = 0 towards targets of 1e-20: every
    /// row's squared error is about 1e-40, which the loss kernel, on
    /// whichever thread runs the row's shard, makes 0 when it flushes and
    /// keeps (in a Double sum) when it does not. A single shard left
    /// unflushed would make an epoch's loss nonzero.
    @Test("shard workers and kernel threads flush: squared errors below 1.2e-38 count as 0",
          arguments: [2, 1], [1, 2])
    func trainingFlushesOnEveryWorker(shards: Int, threads: Int) throws {
        let samples = 64
        let data = try Dataset(
            features: [Float](repeating: 1, count: samples), featureCount: 1,
            targets: [Float](repeating: 1e-20, count: samples), targetWidth: 1)
        let architecture = try NetworkArchitecture(layerSizes: [1, 1], output: .linear, loss: .meanSquaredError)
        for subnormals in Subnormals.allCases {
            var settings = TrainingConfiguration()
            settings.threads = threads
            settings.shards = shards
            settings.batchSize = 16
            settings.epochs = 4
            settings.subnormals = subnormals
            let trainer = try Trainer(
                network: Network(architecture: architecture, parameters: [0, 0]), configuration: settings)
            #expect(trainer.plan.workers == min(shards, threads, ShardPlan.availableCores))
            let summary = try trainer.train(on: data)
            let losses = summary.epochs.map(\.loss)
            #expect(losses.count == 4)
            #expect(losses.allSatisfy { subnormals == .flush ? $0 == 0 : $0 > 0 }, "\(subnormals): \(losses)")
        }
    }

    /// A mode no thread starts in: IEEE subnormals with the engine's other
    /// settings, and on x86-64 rounding towards zero as well; or the engine's
    /// flushing mode, for runs that keep subnormals.
    static func unusualCallerMode(for run: Subnormals) -> UInt64 {
        var mode = ann_engine_fp_mode(ann_fp_mode(), run == .flush ? 0 : 1)
        #if arch(x86_64)
        mode |= 0x6000
        #endif
        return mode
    }

    @Test("train, evaluate and predict leave the caller's mode as it was; callbacks run in it",
          arguments: Subnormals.allCases, [2, 1])
    func callerModeKept(subnormals: Subnormals, shards: Int) throws {
        let data = clusteredDataset(samples: 64)
        var settings = TrainingConfiguration()
        settings.threads = 2
        settings.shards = shards
        settings.batchSize = 16
        settings.epochs = 2
        settings.subnormals = subnormals
        let trainer = try Trainer(
            network: Network(architecture: try NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 3),
            configuration: settings)
        let reference = try Trainer(
            network: Network(architecture: trainer.architecture, seed: 3), configuration: settings)
        let plain = try reference.train(on: data).network

        let own = ann_fp_mode()
        let caller = Self.unusualCallerMode(for: subnormals)
        ann_set_fp_mode(caller)
        defer { ann_set_fp_mode(own) }
        var modesSeen = Set<UInt64>()
        let summary = try trainer.train(
            on: data, test: data, progress: { _ in modesSeen.insert(ann_fp_mode()) },
            stopRequested: { modesSeen.insert(ann_fp_mode()); return false })
        #expect(ann_fp_mode() == caller)
        #expect(modesSeen == [caller])
        _ = trainer.evaluate(Dataset(data))
        #expect(ann_fp_mode() == caller)
        let network = summary.network
        let probabilities = network.predict(batch: [Float](repeating: 0.5, count: 32), count: 2, subnormals: subnormals)
        #expect(ann_fp_mode() == caller)
        _ = try network.evaluate(on: data, threads: 2, subnormals: subnormals)
        #expect(ann_fp_mode() == caller)
        // The caller's mode changed nothing: the same weights and outputs as a run from the default mode.
        ann_set_fp_mode(own)
        #expect(network.parameters == plain.parameters)
        #expect(probabilities == plain.predict(batch: [Float](repeating: 0.5, count: 32), count: 2, subnormals: subnormals))
    }
}
