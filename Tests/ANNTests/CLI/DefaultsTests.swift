import Foundation
import Testing
@testable import ANN

@Suite("ann train's defaults are TrainingConfiguration's")
struct DefaultsTests {
    /// A bare `ann train` (but the layers, for the small data) and the
    /// library's defaults: the same weights, bit for bit. Threads are the one
    /// default that differs, and they change no bit.
    @Test func sameWeights() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory, samples: 96)
        let model = directory.file("cli.safetensors")
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4", "--save", model])
        #expect(result.status == 0, "\(result.standardError)")

        let settings = TrainingConfiguration()
        #expect(settings.threads == 1)
        let architecture = try NetworkArchitecture(layerSizes: [16, 8, 4])
        let trainer = try Trainer(network: Network(architecture: architecture, seed: settings.seed), configuration: settings)
        let summary = try trainer.train(on: try IDXDataDirectory(path: directory.path).loadTrainingSet())
        #expect(summary.epochs.count == 10)
        #expect(try Network.load(from: model) == summary.network)
    }
}
