import Foundation
import Testing
@testable import ANN

/// The sample order as the article "Reproducing a run" describes it, written
/// from the article alone (none of the engine's code): SplitMix64 seeding
/// xoshiro256**, and a Fisher–Yates shuffle of 0..<n every epoch.
private struct DocumentedOrder {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed ^ 0x0005_EED0_F5A3_B1E5
        func splitMix64() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix64(), splitMix64(), splitMix64(), splitMix64())
    }

    private mutating func next() -> UInt64 {
        func rotl(_ v: UInt64, _ k: UInt64) -> UInt64 { (v << k) | (v >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// The next epoch's order of the samples 0..<n.
    mutating func epoch(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        for i in stride(from: n - 1, through: 1, by: -1) {
            let j = Int(((next() >> 32) * UInt64(i + 1)) >> 32)
            order.swapAt(i, j)
        }
        return order
    }
}

@Suite("The sample order is the documented one")
struct SampleOrderTests {
    /// Each epoch's loss per step, watched through the public API alone:
    /// sample i's target is i + 1 and a network stuck at zero output (a 1 → 1
    /// linear layer, zero weights, a learning rate of 1e-30) loses ½(i + 1)²
    /// on it, so a step's loss, from the running means of `.batch` events,
    /// names the samples it trained on.
    static func stepLosses(
        seed: UInt64, samples: Int, validation: Int, epochs: Int, batchSize: Int, shards: Int = 1
    ) throws -> [[Double]] {
        let data = try Dataset(
            features: [Float](repeating: 0, count: samples), featureCount: 1,
            targets: (1...samples).map(Float.init), targetWidth: 1)
        let architecture = try NetworkArchitecture(layerSizes: [1, 1], output: .linear, loss: .meanSquaredError)
        var settings = TrainingConfiguration()
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.shards = shards
        settings.learningRate = 1e-30
        settings.schedule = .constant
        settings.momentum = 0
        settings.seed = seed
        settings.validationSize = validation
        let trainer = try Trainer(network: try Network(architecture: architecture, parameters: [0, 0]), configuration: settings)
        var losses: [[Double]] = Array(repeating: [], count: epochs)
        var previous = 0.0
        _ = try trainer.train(on: data, progress: { event in
            guard case .batch(let progress) = event else { return }
            let total = progress.loss * Double(progress.samplesDone)
            if progress.samplesDone <= batchSize { previous = 0 }
            losses[progress.epoch - 1].append(total - previous)
            previous = total
        })
        return losses
    }

    /// The loss ½(i + 1)² of each sample of a step.
    static func loss(of samples: some Sequence<Int>) -> Double {
        samples.reduce(0.0) { $0 + 0.5 * Double($1 + 1) * Double($1 + 1) }
    }

    @Test("per epoch, per step", arguments: [(1, 1), (4, 1), (8, 2)])
    func matchesTheArticle(batchSize: Int, shards: Int) throws {
        let samples = 40, validation = 3, trained = samples - validation, epochs = 3, seed: UInt64 = 2024
        let stepLosses = try Self.stepLosses(
            seed: seed, samples: samples, validation: validation, epochs: epochs, batchSize: batchSize, shards: shards)
        var documented = DocumentedOrder(seed: seed)
        for epoch in 0..<epochs {
            let order = documented.epoch(trained)
            // Step k takes order[k·B ..< min((k+1)·B, n)].
            let expected = stride(from: 0, to: trained, by: batchSize).map { first in
                Self.loss(of: order[first..<min(first + batchSize, trained)])
            }
            #expect(stepLosses[epoch].count == expected.count)
            for (step, (seen, wanted)) in zip(stepLosses[epoch], expected).enumerated() {
                #expect(abs(seen - wanted) < 0.25, "epoch \(epoch + 1), step \(step): loss \(seen), the article's order gives \(wanted)")
            }
        }
        // The held-out samples 37, 38 and 39 never train: the losses add up to the first 37 alone.
        for losses in stepLosses { #expect(abs(losses.reduce(0, +) - Self.loss(of: 0..<trained)) < 0.5) }
    }

    /// The article's Python, run as it stands: its `sample_orders` against the trainer's steps.
    @Test("the article's Python gives the trainer's order", .enabled(if: PythonOrder.isAvailable, "needs python3"))
    func articlesPython() throws {
        let (seed, samples, validation, epochs): (UInt64, Int, Int, Int) = (7, 50, 5, 2)
        let code = try PythonOrder.articleCode()
        let output = try PythonOrder.run(
            code + "\nimport json\nprint(json.dumps(list(sample_orders(\(seed), \(samples), \(validation), \(epochs)))))\n")
        let orders = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Int]])
        let stepLosses = try Self.stepLosses(seed: seed, samples: samples, validation: validation, epochs: epochs, batchSize: 1)
        #expect(orders.count == epochs)
        for (order, losses) in zip(orders, stepLosses) {
            #expect(order.count == samples - validation)
            #expect(losses.map { Int((2 * $0).squareRoot().rounded()) - 1 } == order)
        }
    }

    @Test("the initial weights: uniform draws from SplitMix64-seeded xoshiro256**, layer by layer, row-major")
    func initialWeights() throws {
        // The generator seeded with `seed` itself (no XOR); the top 24 bits of
        // each draw scaled to [-1, 1), times √(3 · variance).
        let architecture = try NetworkArchitecture(layerSizes: [3, 2, 2], activation: .tanh)
        let network = Network(architecture: architecture, seed: 77)
        var generator = SeededGenerator(seed: 77)
        var expected: [Float] = []
        for (inputs, outputs) in [(3, 2), (2, 2)] {
            let variance = 2 / Float(inputs + outputs)  // Xavier's, for tanh
            let limit = (3 * variance).squareRoot()
            for _ in 0..<(inputs * outputs) { expected.append((Float(generator.next() >> 40) * (2 / 16_777_216) - 1) * limit) }
            expected += [Float](repeating: 0, count: outputs)
        }
        #expect(network.parameters == expected)
    }
}

enum PythonOrder {
    static let isAvailable: Bool = (try? run("pass")) != nil

    /// The Python block of ReproducingARun.md that defines `sample_orders`.
    static func articleCode() throws -> String {
        let article = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ANN/ANN.docc/ReproducingARun.md")
        let text = try String(contentsOf: article, encoding: .utf8)
        let blocks = text.components(separatedBy: "```python\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        return try #require(blocks.first { $0.contains("def sample_orders") }, "no Python block with sample_orders in \(article.path)")
    }

    /// Runs `script` with `python3 -c` and returns what it prints.
    static func run(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PythonModel.Failure(description: "python3 exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
