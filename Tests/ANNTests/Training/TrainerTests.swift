import Testing
@testable import ANN

@Suite("Training")
struct TrainerTests {
    static func configuration(threads: Int, epochs: Int = 5, batch: Int = 32, fanOut: ShardPlan.FanOut = .automatic) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.threads = threads
        settings.fanOut = fanOut
        settings.epochs = epochs
        settings.batchSize = batch
        settings.learningRate = 0.05
        settings.seed = 42
        return settings
    }

    static func train(
        threads: Int, epochs: Int = 5, fanOut: ShardPlan.FanOut = .automatic, architecture: NetworkArchitecture? = nil
    ) throws -> TrainingSummary {
        let data = clusteredDataset(samples: 400)
        let net = try architecture ?? NetworkArchitecture(layerSizes: [16, 12, 4])
        let trainer = try Trainer(
            network: Network(architecture: net, seed: 42), configuration: configuration(threads: threads, epochs: epochs, fanOut: fanOut))
        return try trainer.train(on: data, test: data)
    }

    @Test("a separable problem reaches 100% training accuracy", arguments: [ShardPlan.FanOut.shards, .openmp])
    func learnsSeparableProblem(fanOut: ShardPlan.FanOut) throws {
        let summary = try Self.train(threads: 2, epochs: 20, fanOut: fanOut)
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

    @Test("one seed, one thread count: bit-identical weights", arguments: [1, 2, 3], [ShardPlan.FanOut.shards, .openmp])
    func deterministic(threads: Int, fanOut: ShardPlan.FanOut) throws {
        let first = try Self.train(threads: threads, fanOut: fanOut)
        let second = try Self.train(threads: threads, fanOut: fanOut)
        #expect(first.network.parameters == second.network.parameters)
    }

    @Test("shards: one and two threads agree within rounding")
    func threadCountsAgree() throws {
        let one = try Self.train(threads: 1, epochs: 1, fanOut: .shards).network.parameters
        let two = try Self.train(threads: 2, epochs: 1, fanOut: .shards)
        #expect(two.plan.shards == 2)
        #expect(maxRelativeError(two.network.parameters, one) < 1e-4)
    }

    @Test("OpenMP fan-out: the thread count does not change a single bit", arguments: [2, 3])
    func openMPIndependentOfThreads(threads: Int) throws {
        let one = try Self.train(threads: 1, epochs: 2, fanOut: .openmp).network.parameters
        let many = try Self.train(threads: threads, epochs: 2, fanOut: .openmp)
        #expect(many.plan.kernelThreads == min(threads, ShardPlan.availableCores))
        #expect(many.network.parameters == one)
    }

    /// Whatever reads the weights between two steps (a progress callback
    /// here) sees the weights of the step just taken, and reading them
    /// changes nothing; a checkpoint taken there resumes to the very end of
    /// an uninterrupted run. Reads come on some steps only.
    @Test("the weights read between steps are the step's, and a checkpoint from there resumes exactly",
          arguments: [1, 2], [ShardPlan.FanOut.openmp, .shards])
    func weightsBetweenSteps(threads: Int, fanOut: ShardPlan.FanOut) throws {
        let data = clusteredDataset(samples: 200)
        let architecture = try NetworkArchitecture(layerSizes: [16, 12, 8, 4])
        var settings = Self.configuration(threads: threads, epochs: 2, batch: 32, fanOut: fanOut)
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
        func divergedAt(threads: Int, fanOut: ShardPlan.FanOut) throws -> (epoch: Int, step: Int, message: String)? {
            var settings = Self.configuration(threads: threads, epochs: 3, fanOut: fanOut)
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
        let one = try #require(try divergedAt(threads: 1, fanOut: .automatic))
        #expect(one.epoch == 1 && one.step >= 1 && one.message.contains("lower learning rate"))
        let shards = try #require(try divergedAt(threads: 2, fanOut: .shards))
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

    @Test("the shard plan never uses more threads than asked")
    func shardPlan() {
        for threads in 1...8 {
            for batch in [1, 7, 8, 16, 64, 1024] {
                for fanOut in ShardPlan.FanOut.allCases {
                let plan = ShardPlan(threads: threads, batchSize: batch, fanOut: fanOut, cores: 8)
                #expect(plan.effectiveThreads <= threads)
                #expect(plan.shards == 1 || plan.kernelThreads == 1)
                let covered = (0..<plan.shards).map { ShardPlan.rowRange(shard: $0, of: plan.shards, rows: batch).count }
                #expect(covered.reduce(0, +) == batch)
                #expect(covered.max()! <= plan.shardCapacity)
                }
            }
        }
        #expect(ShardPlan(threads: 2, batchSize: 64, fanOut: .shards).shards == 2)
        #expect(ShardPlan(threads: 2, batchSize: 64).fanOut == .openmp)
        #expect(ShardPlan(threads: 2, batchSize: 1024).fanOut == .shards)
        #expect(ShardPlan(threads: 4, batchSize: 16, fanOut: .shards, cores: 4).shards == 2)
        // More threads than cores would only spin: the plan stops at the cores.
        let capped = ShardPlan(threads: 8, batchSize: 64, cores: 2)
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
