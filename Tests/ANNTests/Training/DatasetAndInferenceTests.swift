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
