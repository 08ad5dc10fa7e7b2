import Dispatch
import Foundation
import Testing
@testable import ANN

@Suite("Float data, regression and inference")
struct DatasetAndInferenceTests {
    @Test("arrays that disagree are refused")
    func badArrays() {
        #expect(throws: DataError.self) { try Dataset(features: [1, 2, 3], featureCount: 2, labels: [0, 1]) }
        #expect(throws: DataError.self) { try Dataset(features: [1, 2], featureCount: 2, labels: [-1]) }
        #expect(throws: DataError.self) { try Dataset(features: [1, 2], featureCount: 2, targets: [1, 2, 3], targetWidth: 2) }
        #expect(throws: DataError.self) { try Dataset(features: [], featureCount: 0, labels: []) }
    }

    @Test("regression with a linear output fits a smooth function")
    func regression() throws {
        var generator = SeededGenerator(seed: 3)
        var features: [Float] = [], targets: [Float] = []
        for _ in 0..<512 {
            let x = generator.nextSignedUnitFloat(), y = generator.nextSignedUnitFloat()
            features += [x, y]
            targets.append(x * x - 0.5 * y)
        }
        let data = try Dataset(features: features, featureCount: 2, targets: targets, targetWidth: 1)
        let architecture = try NetworkArchitecture(layerSizes: [2, 32, 1], activation: .tanh, output: .linear, loss: .meanSquaredError)
        var settings = TrainingConfiguration()
        settings.epochs = 60
        settings.batchSize = 32
        settings.learningRate = 0.05
        let trainer = try Trainer(network: Network(architecture: architecture, seed: 1), configuration: settings)
        let before = trainer.meanLoss(data)
        let summary = try trainer.train(on: data, test: data)
        #expect(summary.epochs.last?.trainAccuracy == nil)
        #expect(summary.epochs.last?.testAccuracy == nil)
        let after = try #require(summary.epochs.last?.testLoss)
        #expect(after < before / 20)
        #expect(after < 0.005)
    }

    @Test("predict agrees with the trainer's evaluation and sums to one")
    func inference() throws {
        let labeled = clusteredDataset(samples: 200)
        let data = Dataset(labeled)
        var settings = TrainingConfiguration()
        settings.epochs = 5
        settings.threads = 2
        let trainer = try Trainer(network: Network(architecture: try NetworkArchitecture(layerSizes: [16, 10, 4]), seed: 2), configuration: settings)
        _ = try trainer.train(on: data)
        let network = trainer.network
        let inputs = labeled.pixels.map { Float($0) * (Float(1) / 255) }
        let batch = network.predict(batch: inputs, count: labeled.count)
        var correct = 0
        for sample in 0..<labeled.count {
            let single = network.predict(Array(inputs[(sample * 16)..<((sample + 1) * 16)]))
            #expect(single == Array(batch[(sample * 4)..<((sample + 1) * 4)]))
            #expect(abs(single.reduce(0, +) - 1) < 1e-5)
            if network.classify(Array(inputs[(sample * 16)..<((sample + 1) * 16)])) == Int(labeled.labels[sample]) { correct += 1 }
        }
        #expect(Double(correct) / Double(labeled.count) == trainer.evaluate(data).accuracy)
    }
}

@Suite("Stopping from outside and sharing a network")
struct CancellationAndThreadsTests {
    /// Shards run each epoch's steps inside one `concurrentPerform` call;
    /// the Task is still seen there, between minibatches.
    @Test("cancelling the surrounding Task stops training between minibatches", .timeLimit(.minutes(1)),
          arguments: [(threads: 1, shards: 1), (2, 2), (2, 1)])
    func taskCancellation(run: (threads: Int, shards: Int)) async throws {
        let data = Dataset(clusteredDataset(samples: 400))
        var settings = TrainingConfiguration()
        settings.epochs = 50
        settings.batchSize = 16
        settings.threads = run.threads
        settings.shards = run.shards
        let task = Task {
            let trainer = try Trainer(network: Network(architecture: try NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 1), configuration: settings)
            var batches = 0
            return try trainer.train(on: data, progress: { event in
                if case .batch = event {
                    batches += 1
                    if batches == 30 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            })
        }
        let summary = try await task.value
        #expect(summary.stopReason == .cancelled)
        #expect(summary.epochs.count == 1)  // 25 minibatches per epoch: stopped in the second
    }

    /// A callback slower than the team's spin (2 ms) sends the shard
    /// members to nap; the steps after it must come out the same.
    @Test("shards: a slow progress callback changes no bit of the weights", .timeLimit(.minutes(1)))
    func slowCallback() throws {
        let data = Dataset(clusteredDataset(samples: 400))
        var settings = TrainingConfiguration()
        settings.epochs = 2
        settings.batchSize = 16
        settings.threads = 2
        settings.shards = 2
        func train(pauseEvery: Int?) throws -> [Float] {
            let trainer = try Trainer(
                network: Network(architecture: try NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 1), configuration: settings)
            var batches = 0
            return try trainer.train(on: data, progress: { event in
                guard case .batch = event else { return }
                batches += 1
                if let pauseEvery, batches % pauseEvery == 0 { Thread.sleep(forTimeInterval: 0.005) }
            }).network.parameters
        }
        #expect(try train(pauseEvery: 4) == train(pauseEvery: nil))
    }

    @Test("one network predicts from many threads at once, each getting what one thread gets")
    func concurrentInference() throws {
        let network = Network(architecture: try NetworkArchitecture(layerSizes: [16, 12, 4]), seed: 3)
        let inputs = (0..<64).map { randomFloats(16, seed: UInt64($0)) }
        let expected = inputs.map { network.predict($0) }
        let results = ResultsBox(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { results.set($0, network.predict(inputs[$0])) }
        #expect(results.values == expected)
    }
}

/// Collects per-iteration results from concurrent workers.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[Float]]
    init(count: Int) { storage = Array(repeating: [], count: count) }
    func set(_ index: Int, _ value: [Float]) { lock.lock(); storage[index] = value; lock.unlock() }
    var values: [[Float]] { lock.lock(); defer { lock.unlock() }; return storage }
}

@Suite("Empty data")
struct EmptyDataTests {
    @Test("evaluating nothing gives an empty matrix, not the last evaluation's counts")
    func emptyEvaluation() throws {
        let trainer = try Trainer(network: Network(architecture: try NetworkArchitecture(layerSizes: [16, 4]), seed: 1), configuration: TrainingConfiguration())
        let data = Dataset(clusteredDataset(samples: 40))
        #expect(trainer.evaluate(data).total == 40)
        #expect(trainer.evaluate(data, samples: 10..<10).total == 0)
        #expect(trainer.evaluate(data, samples: 30..<1000).total == 10)
        let empty = try Dataset(features: [], featureCount: 16, labels: [])
        #expect(trainer.evaluate(empty).total == 0)
        #expect(trainer.meanLoss(empty) == 0)
    }
}
