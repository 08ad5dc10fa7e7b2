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
    /// Watches the order through the public API alone: sample i's target is
    /// i + 1 and a network stuck at zero output (a 1 → 1 linear layer, zero
    /// weights, a learning rate of 1e-30) loses ½(i + 1)² on it, so each
    /// step's loss, from the running means of `.batch` events, names the
    /// samples it trained on.
    @Test("per epoch, per step", arguments: [(1, 1), (4, 1), (8, 2)])
    func matchesTheArticle(batchSize: Int, shards: Int) throws {
        let samples = 40, validation = 3, trained = samples - validation, epochs = 3, seed: UInt64 = 2024
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

        var stepLosses: [[Double]] = Array(repeating: [], count: epochs)
        var previous = 0.0
        _ = try trainer.train(on: data, progress: { event in
            guard case .batch(let progress) = event else { return }
            let total = progress.loss * Double(progress.samplesDone)
            if progress.samplesDone <= batchSize { previous = 0 }
            stepLosses[progress.epoch - 1].append(total - previous)
            previous = total
        })

        var documented = DocumentedOrder(seed: seed)
        for epoch in 0..<epochs {
            let order = documented.epoch(trained)
            // Step k takes order[k·B ..< min((k+1)·B, n)].
            let expected = stride(from: 0, to: trained, by: batchSize).map { first in
                order[first..<min(first + batchSize, trained)].reduce(0.0) { $0 + 0.5 * Double($1 + 1) * Double($1 + 1) }
            }
            #expect(stepLosses[epoch].count == expected.count)
            for (step, (seen, wanted)) in zip(stepLosses[epoch], expected).enumerated() {
                #expect(abs(seen - wanted) < 0.25, "epoch \(epoch + 1), step \(step): loss \(seen), the article's order gives \(wanted)")
            }
        }
        // The held-out samples 37, 38 and 39 never train: the losses add up to the first 37 alone.
        let perEpoch = (1...trained).reduce(0.0) { $0 + 0.5 * Double($1 * $1) }
        for losses in stepLosses { #expect(abs(losses.reduce(0, +) - perEpoch) < 0.5) }
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
