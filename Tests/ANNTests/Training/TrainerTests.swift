import Testing
@testable import ANN

@Suite("Training")
struct TrainerTests {
    static func configuration(threads: Int, epochs: Int = 5, batch: Int = 32, shards: Int? = nil) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.threads = threads
        settings.shards = shards
        settings.epochs = epochs
        settings.batchSize = batch
        settings.learningRate = 0.05
        settings.seed = 42
        return settings
    }

    static func train(
        threads: Int, epochs: Int = 5, shards: Int? = nil, architecture: NetworkArchitecture? = nil
    ) throws -> TrainingSummary {
        let data = clusteredDataset(samples: 400)
        let net = try architecture ?? NetworkArchitecture(layerSizes: [16, 12, 4])
        let trainer = try Trainer(
            network: Network(architecture: net, seed: 42), configuration: configuration(threads: threads, epochs: epochs, shards: shards))
        return try trainer.train(on: data, test: data)
    }

    @Test("a separable problem reaches 100% training accuracy", arguments: [1, 2])
    func learnsSeparableProblem(shards: Int) throws {
        let summary = try Self.train(threads: 2, epochs: 20, shards: shards)
        let data = clusteredDataset(samples: 400)
        let accuracy = try summary.network.evaluate(on: data, threads: 2).accuracy
        #expect(accuracy == 1.0)
        #expect(summary.epochs.count == 20)
        #expect(summary.epochs.last!.loss < summary.epochs.first!.loss)
    }

    @Test("every activation and loss learns", arguments: Activation.allCases, [Loss.crossEntropy, .meanSquaredError])
    func everyConfigurationLearns(activation: Activation, loss: Loss) throws {
        let architecture = try NetworkArchitecture(layerSizes: [16, 12, 4], activation: activation, loss: loss)
        let summary = try Self.train(threads: 1, epochs: 20, architecture: architecture)
        #expect(try summary.network.evaluate(on: clusteredDataset(samples: 400)).accuracy >= 0.98)
    }

    @Test("one seed, one thread count: bit-identical weights", arguments: [1, 2, 3], [1, 2])
    func deterministic(threads: Int, shards: Int) throws {
        let first = try Self.train(threads: threads, shards: shards)
        let second = try Self.train(threads: threads, shards: shards)
        #expect(first.network.parameters == second.network.parameters)
    }

    /// The shard count fixes the arithmetic: which rows each shard sums and
    /// the order the shards' gradients are added in. Threads only decide who
    /// computes what: one thread running the shards in turn, workers running
    /// them side by side, or OpenMP inside a worker's kernels (3 threads on 1
    /// shard).
    @Test("the thread count changes no bit, whatever the shard count", arguments: [1, 2, 3, 5])
    func threadCountChangesNoBit(shards: Int) throws {
        let one = try Self.train(threads: 1, epochs: 2, shards: shards)
        #expect(one.plan.shards == shards && one.plan.workers == 1)
        for threads in [2, 3] {
            let many = try Self.train(threads: threads, epochs: 2, shards: shards)
            #expect(many.plan.effectiveThreads == min(threads, ShardPlan.availableCores))
            #expect(many.network.parameters == one.network.parameters, "\(threads) threads, \(shards) shards")
        }
    }

    /// The plans of a larger machine, on this one: 4 threads over 2 shards
    /// run OpenMP inside each worker's kernels; 4 over 3 shards, 3 workers.
    @Test("nested OpenMP inside shard workers changes no bit", arguments: [2, 3])
    func nestedTeamsChangeNoBit(shards: Int) throws {
        let data = clusteredDataset(samples: 400)
        let architecture = try NetworkArchitecture(layerSizes: [16, 12, 4])
        func weights(threads: Int) throws -> (ShardPlan, [Float]) {
            let trainer = try Trainer(
                network: Network(architecture: architecture, seed: 42),
                configuration: Self.configuration(threads: threads, epochs: 2, shards: shards), cores: 4)
            return (trainer.plan, try trainer.train(on: data).network.parameters)
        }
        let (_, one) = try weights(threads: 1)
        let (plan, four) = try weights(threads: 4)
        #expect(plan.workers == shards && plan.kernelThreads == 4 / shards)
        #expect(four == one)
    }

    /// Mixed precision rounds the products' operands to bfloat16: within a
    /// few percent of fp32's weights after a short run, learning as well,
    /// and still the same bits on any number of threads and shards' workers.
    @Test("bf16: learns, stays near fp32, and the thread count changes no bit", arguments: [1, 2])
    func mixedPrecision(shards: Int) throws {
        func train(threads: Int, precision: Precision, epochs: Int = 2) throws -> TrainingSummary {
            var settings = Self.configuration(threads: threads, epochs: epochs, shards: shards)
            settings.precision = precision
            return try Trainer(
                network: Network(architecture: NetworkArchitecture(layerSizes: [16, 12, 4]), seed: 42), configuration: settings
            ).train(on: clusteredDataset(samples: 400))
        }
        let one = try train(threads: 1, precision: .bf16)
        for threads in [2, 3] {
            #expect(try train(threads: threads, precision: .bf16).network.parameters == one.network.parameters)
        }
        let full = try train(threads: 1, precision: .fp32)
        #expect(one.network.parameters != full.network.parameters)
        #expect(maxRelativeError(one.network.parameters, full.network.parameters) < 0.05)
        let learned = try train(threads: 2, precision: .bf16, epochs: 20)
        #expect(try learned.network.evaluate(on: clusteredDataset(samples: 400)).accuracy == 1.0)
    }

    @Test("different shard counts round differently, and agree to rounding")
    func shardCountsAgreeToRounding() throws {
        let one = try Self.train(threads: 2, epochs: 1, shards: 1).network.parameters
        let two = try Self.train(threads: 2, epochs: 1, shards: 2).network.parameters
        #expect(one != two)
        #expect(maxRelativeError(two, one) < 1e-4)
    }

    /// Whatever reads the weights between two steps (a progress callback
    /// here) sees the weights of the step just taken, and reading them
    /// changes nothing; a checkpoint taken there resumes to the very end of
    /// an uninterrupted run. Reads come on some steps only.
    @Test("the weights read between steps are the step's, and a checkpoint from there resumes exactly",
          arguments: [1, 2], [1, 2])
    func weightsBetweenSteps(threads: Int, shards: Int) throws {
        let data = clusteredDataset(samples: 200)
        let architecture = try NetworkArchitecture(layerSizes: [16, 12, 8, 4])
        var settings = Self.configuration(threads: threads, epochs: 2, batch: 32, shards: shards)
        settings.learningRate = 0.2
        let uninterrupted = try Trainer(network: Network(architecture: architecture, seed: 42), configuration: settings)
            .train(on: data).network.parameters

        let trainer = try Trainer(network: Network(architecture: architecture, seed: 42), configuration: settings)
        var weights: [[Float]] = [], accuracies: [Double] = [], checkpoint: TrainingCheckpoint?, step = 0
        let summary = try trainer.train(on: data, progress: { event in
            guard case .batch = event else { return }
            step += 1
            if step % 3 == 0 { weights.append(trainer.network.parameters) }
            if step % 5 == 0 { accuracies.append(trainer.evaluate(data).accuracy) }
            if step == 4 { checkpoint = trainer.checkpoint }
        })
        // 7 steps an epoch: weights after steps 3, 6, 9 and 12, accuracies after 5 and 10.
        #expect(weights.count == 4 && accuracies.count == 2)
        #expect(Set(weights).count == weights.count)
        #expect(summary.network.parameters == uninterrupted)
        let saved = try #require(checkpoint)
        #expect(saved.epochsCompleted == 0 && saved.stepInEpoch == 4)
        let resumed = try Trainer(resuming: saved, configuration: settings).train(on: data)
        #expect(resumed.network.parameters == uninterrupted)
    }

    @Test("a different seed gives different weights")
    func seedMatters() throws {
        let data = clusteredDataset(samples: 100)
        let net = try NetworkArchitecture(layerSizes: [16, 8, 4])
        var settings = Self.configuration(threads: 1, epochs: 1)
        let a = try Trainer(network: Network(architecture: net, seed: 1), configuration: settings).train(on: data)
        settings.seed = 2
        let b = try Trainer(network: Network(architecture: net, seed: 2), configuration: settings).train(on: data)
        #expect(a.network.parameters != b.network.parameters)
    }

    @Test("target accuracy stops early")
    func targetAccuracyStops() throws {
        let data = clusteredDataset(samples: 400)
        var settings = Self.configuration(threads: 1, epochs: 50)
        settings.targetAccuracy = 0.9
        let trainer = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [16, 12, 4]), seed: 1), configuration: settings)
        let summary = try trainer.train(on: data, test: data)
        #expect(summary.epochs.count < 50)
        guard case .reachedTargetAccuracy(let reached) = summary.stopReason else {
            Issue.record("stopped for \(summary.stopReason)")
            return
        }
        #expect(reached >= 0.9)
    }

    @Test("patience stops when validation accuracy stalls and keeps the best weights")
    func patienceStops() throws {
        let data = clusteredDataset(samples: 400)
        var settings = Self.configuration(threads: 1, epochs: 60)
        settings.validationSize = 100
        settings.patience = 2
        let trainer = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [16, 12, 4]), seed: 1), configuration: settings)
        let summary = try trainer.train(on: data)
        #expect(summary.stopReason == .noImprovement(epochs: 2))
        let best = summary.epochs.compactMap(\.validationAccuracy).max() ?? 0
        #expect(trainer.evaluate(data, samples: 300..<400).accuracy == best)
    }

    /// Shards take their steps inside one `concurrentPerform` call an epoch;
    /// the divergence must still name the very step that one thread names.
    @Test("a huge learning rate is reported as divergence, naming epoch and step, on either path",
          .timeLimit(.minutes(1)))
    func divergence() throws {
        let data = clusteredDataset(samples: 200)
        func divergedAt(threads: Int, shards: Int) throws -> (epoch: Int, step: Int, message: String)? {
            var settings = Self.configuration(threads: threads, epochs: 3, shards: shards)
            settings.learningRate = 1e30
            settings.schedule = .constant
            let trainer = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [16, 12, 4]), seed: 1), configuration: settings)
            do {
                _ = try trainer.train(on: data)
            } catch .diverged(let epoch, let step, _) {
                return (epoch, step, TrainingError.diverged(epoch: epoch, step: step, learningRate: 1e30).description)
            }
            return nil
        }
        let one = try #require(try divergedAt(threads: 1, shards: 1))
        #expect(one.epoch == 1 && one.step >= 1 && one.message.contains("lower learning rate"))
        let shards = try #require(try divergedAt(threads: 2, shards: 2))
        #expect(shards.epoch == one.epoch && shards.step == one.step)
    }

    @Test("data that does not fit the network is refused, naming layerSizes")
    func incompatibleData() throws {
        let data = clusteredDataset(samples: 40)
        let trainer = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [10, 4]), seed: 1), configuration: Self.configuration(threads: 1))
        #expect(throws: TrainingError.configuration(ConfigurationError(
            parameter: "layerSizes", reason: "the input size 10 does not match the 16 features per sample of the training data"))) {
            try trainer.train(on: data)
        }
        let narrow = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [16, 3]), seed: 1), configuration: Self.configuration(threads: 1))
        #expect(throws: TrainingError.self) { try narrow.train(on: data) }
    }

    @Test("the shard plan never uses more threads than asked, and covers every row")
    func shardPlan() {
        for threads in 1...8 {
            for batch in [1, 7, 8, 16, 64, 1024] {
                for shards in [1, 2, 3, 4, 8, 64] {
                    let plan = ShardPlan(threads: threads, batchSize: batch, shards: shards, cores: 8)
                    #expect(plan.effectiveThreads <= threads)
                    #expect(plan.shards == min(shards, batch))
                    #expect(plan.workers <= plan.shards)
                    let covered = (0..<plan.shards).map { ShardPlan.rowRange(shard: $0, of: plan.shards, rows: batch).count }
                    #expect(covered.reduce(0, +) == batch)
                    #expect(covered.max()! <= plan.shardCapacity)
                }
            }
        }
        #expect(ShardPlan.defaultShards(batchSize: 64) == 1)
        #expect(ShardPlan.defaultShards(batchSize: 1024) == 2)
        // One shard: OpenMP in the kernels; more threads than shards: OpenMP inside each worker.
        let whole = ShardPlan(threads: 4, batchSize: 64, shards: 1, cores: 4)
        #expect(whole.workers == 1 && whole.kernelThreads == 4)
        let nested = ShardPlan(threads: 4, batchSize: 64, shards: 2, cores: 4)
        #expect(nested.workers == 2 && nested.kernelThreads == 2)
        let serial = ShardPlan(threads: 1, batchSize: 64, shards: 4, cores: 4)
        #expect(serial.workers == 1 && serial.kernelThreads == 1)
        // More threads than cores would only spin: the plan stops at the cores.
        let capped = ShardPlan(threads: 8, batchSize: 64, shards: 1, cores: 2)
        #expect(capped.usableThreads == 2)
        #expect(capped.effectiveThreads == 2)
        #expect(capped.description.contains("8 requested"))
    }
}

@Suite("Sample order")
struct ShuffleTests {
    @Test("the shuffle is a permutation that moves samples far")
    func shuffleSpreads() {
        let count = 1000
        var values = (0..<count).map(Int32.init)
        var generator = SeededGenerator(seed: 1)
        values.withUnsafeMutableBufferPointer { Trainer.shuffle($0.baseAddress!, count: count, using: &generator) }
        #expect(Set(values).count == count)
        #expect(values.sorted() == (0..<count).map(Int32.init))
        let stayedNear = values.enumerated().filter { abs(Int($0.element) - $0.offset) < 10 }.count
        #expect(stayedNear < 60)  // about 20 expected for a uniform permutation
        // Both halves of the set mix in the first hundred places.
        #expect(values.prefix(100).filter { $0 < 500 }.count > 30)
        #expect(values.prefix(100).filter { $0 >= 500 }.count > 30)
    }
}
