import Foundation
import Testing
@testable import ANN


@Suite("MNIST")
struct MNISTTrainingTests {
    @Test("one epoch of the default network reaches 95% test accuracy",
          .enabled(if: FileManager.default.fileExists(atPath: fetchedMNISTPath + "/train-images-idx3-ubyte"),
                   "run scripts/fetch-mnist first"))
    func oneEpoch() throws {
        let directory = IDXDataDirectory(path: fetchedMNISTPath)
        let training = try directory.loadTrainingSet(), test = try directory.loadTestSet()
        var settings = TrainingConfiguration()
        settings.epochs = 1
        settings.threads = 2
        let trainer = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [784, 256, 128, 10]), seed: 1), configuration: settings)
        let summary = try trainer.train(on: training, test: test)
        let accuracy = try #require(summary.epochs.last?.testAccuracy)
        #expect(accuracy >= 0.95)
    }

    @Test("the default network in mixed precision (bf16) reaches 98% test accuracy in 10 epochs",
          .enabled(if: FileManager.default.fileExists(atPath: fetchedMNISTPath + "/train-images-idx3-ubyte"),
                   "run scripts/fetch-mnist first"))
    func bfloat16TenEpochs() throws {
        let directory = IDXDataDirectory(path: fetchedMNISTPath)
        let training = try directory.loadTrainingSet(), test = try directory.loadTestSet()
        var settings = TrainingConfiguration()
        settings.threads = 2
        settings.precision = .bf16
        let trainer = try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [784, 256, 128, 10]), seed: 1), configuration: settings)
        let summary = try trainer.train(on: training, test: test)
        #expect(summary.epochs.count == 10)
        #expect(try #require(summary.epochs.last?.testAccuracy) >= 0.98)
    }
}
