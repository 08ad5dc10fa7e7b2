// Embedding swift-ann: classify two interleaved spirals, a problem no straight
// line separates. Run with `swift run spirals`.
import ANN
import Foundation

/// Two arms of points winding around the origin, one class per arm.
func spirals(pointsPerArm: Int, seed: UInt64) throws -> Dataset {
    var generator = SeededGenerator(seed: seed)
    var features: [Float] = [], labels: [Int] = []
    for arm in 0..<2 {
        for i in 0..<pointsPerArm {
            let t = Float(i) / Float(pointsPerArm) * 2.5 * .pi + 0.3
            let noise = { Float(generator.next() % 1000) / 1000 * 0.1 - 0.05 }
            let radius = (arm == 0 ? 1 : -1) * t / 10
            let x = radius * Float(cos(Double(t))), y = radius * Float(sin(Double(t)))
            features += [x + noise(), y + noise()]
            labels.append(arm)
        }
    }
    return try Dataset(features: features, featureCount: 2, labels: labels)
}

/// Trains a small network on the spirals and reports how well it separates them.
func run() throws {
    let training = try spirals(pointsPerArm: 500, seed: 1)
    let test = try spirals(pointsPerArm: 200, seed: 2)

    var settings = TrainingConfiguration()
    settings.epochs = 400
    settings.batchSize = 32
    settings.learningRate = 0.1
    settings.threads = 2
    settings.targetAccuracy = 0.99

    let architecture = try NetworkArchitecture(layerSizes: [2, 64, 64, 2], activation: .relu)
    let trainer = try Trainer(network: Network(architecture: architecture, seed: 7), configuration: settings)
    let summary = try trainer.train(on: training, test: test, progress: { event in
        if case .epoch(let report) = event, report.epoch % 50 == 0 {
            print("epoch \(report.epoch): loss \(report.loss), test accuracy \(report.testAccuracy ?? 0)")
        }
    })

    let network = summary.network
    print("stopped: \(summary.stopReason) after \(summary.epochs.count) epochs")
    print("test accuracy: \(trainer.evaluate(test).accuracy)")
    print("the origin's neighbour (0.1, 0) is class \(network.classify([0.1, 0]))")
}

try run()
