import Foundation
import Testing
import ANN

/// The example of the DocC article "Regression" (Sources/ANN/ANN.docc/Regression.md),
/// word for word but for `print`, so that it keeps compiling and keeps
/// reaching the error the article promises.
@Suite("The regression article's example")
struct RegressionExampleTests {
    @Test("sin(x) on [-π, π]: the article's code reaches a mean squared error below 1e-4")
    func sine() throws {
        // y = sin(x) at 256 points of [-π, π]: one feature and one target a sample.
        var xs: [Float] = [], ys: [Float] = []
        for i in 0..<256 {
            let x = -Float.pi + 2 * Float.pi * Float(i) / 255
            xs.append(x)
            ys.append(sin(x))
        }
        let data = try Dataset(features: xs, featureCount: 1, targets: ys, targetWidth: 1)

        // A linear output and mean squared error make it regression; the
        // defaults (softmax, cross-entropy) classify.
        let architecture = try NetworkArchitecture(
            layerSizes: [1, 32, 1], activation: .tanh, output: .linear, loss: .meanSquaredError)
        var settings = TrainingConfiguration()
        settings.epochs = 500
        settings.batchSize = 16
        settings.learningRate = 0.1

        let trainer = try Trainer(network: Network(architecture: architecture, seed: 1), configuration: settings)
        let summary = try trainer.train(on: data, test: data)

        // The loss is ½·(output − target)² a sample: twice it is the mean squared error.
        let meanSquaredError = 2 * summary.epochs.last!.testLoss!
        let y = summary.network.predict([0.5])[0]  // sin(0.5) = 0.479…

        #expect(meanSquaredError < 1e-4)
        #expect(abs(y - sin(0.5)) < 0.01)
    }
}
