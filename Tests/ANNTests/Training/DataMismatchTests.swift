import Testing
@testable import ANN

/// Settings that cannot fit the data are refused as soon as that is known,
/// naming the Swift property: at the architecture when no data decides it,
/// else before training's first step.
@Suite("Settings that do not fit the data are refused early, naming the property")
struct DataMismatchTests {
    /// Two samples of 16 features with 4 target values each.
    static let regression = try! Dataset(
        features: [Float](repeating: 0.5, count: 32), featureCount: 16, targets: [0.5, 2, -1, 0, 0.1, 0.2, 0.3, 0.4], targetWidth: 4)

    static func settings(_ change: (inout TrainingConfiguration) -> Void = { _ in }) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.epochs = 2
        settings.batchSize = 16
        change(&settings)
        return settings
    }

    /// The error `train` throws before its first step, with no event heard.
    static func refusal(
        _ architecture: NetworkArchitecture, _ settings: TrainingConfiguration, on data: Dataset, test: Dataset? = nil
    ) throws -> ConfigurationError? {
        let trainer = try Trainer(network: Network(architecture: architecture, seed: 1), configuration: settings)
        var events = 0
        do {
            _ = try trainer.train(on: data, test: test, progress: { _ in events += 1 })
        } catch {
            #expect(events == 0)
            guard case .configuration(let refusal) = error else {
                Issue.record("expected a configuration error, got \(error)")
                return nil
            }
            return refusal
        }
        return nil
    }

    static let singleSoftmax = ConfigurationError(
        parameter: "output",
        reason: "a softmax over a single output is always 1, so it cannot learn: to predict a value make `output` linear and `loss` mean squared error; for classes make the last of `layerSizes` one per class")

    @Test("a softmax over one output is refused when the architecture is built, whatever the loss",
          arguments: [Loss.crossEntropy, .meanSquaredError])
    func singleSoftmaxOutput(loss: Loss) {
        #expect(throws: Self.singleSoftmax) { try NetworkArchitecture(layerSizes: [1, 32, 1], loss: loss) }
        #expect(throws: Never.self) { try NetworkArchitecture(layerSizes: [1, 32, 1], output: .linear, loss: .meanSquaredError) }
        #expect(throws: Never.self) { try NetworkArchitecture(layerSizes: [1, 32, 2], loss: loss) }
    }

    @Test("target values with cross-entropy: `loss`, naming what regression needs")
    func crossEntropyOnValues() throws {
        let refusal = try Self.refusal(NetworkArchitecture(layerSizes: [16, 8, 4]), Self.settings(), on: Self.regression)
        #expect(refusal == ConfigurationError(
            parameter: "loss",
            reason: "cross-entropy needs class labels, and the training data has target values: for regression make `loss` mean squared error and `output` linear"))
    }

    @Test("target values a softmax cannot reach: `output`, naming the sample")
    func softmaxOnValues() throws {
        let architecture = try NetworkArchitecture(layerSizes: [16, 8, 4], loss: .meanSquaredError)
        let refusal = try Self.refusal(architecture, Self.settings(), on: Self.regression)
        #expect(refusal == ConfigurationError(
            parameter: "output",
            reason: "a softmax output is a distribution (values in [0, 1] summing to 1), and sample 0 of the training data has targets that are not: for regression make `output` linear"))
        // Distributions are a softmax's to fit.
        let distributions = try Dataset(
            features: [Float](repeating: 0.5, count: 32), featureCount: 16,
            targets: [0.25, 0.25, 0.5, 0, 0.1, 0.2, 0.3, 0.4], targetWidth: 4)
        #expect(try Self.refusal(architecture, Self.settings(), on: distributions) == nil)
    }

    @Test("an output narrower or wider than the targets: `layerSizes`")
    func targetWidth() throws {
        let architecture = try NetworkArchitecture(layerSizes: [16, 8, 3], output: .linear, loss: .meanSquaredError)
        #expect(try Self.refusal(architecture, Self.settings(), on: Self.regression) == ConfigurationError(
            parameter: "layerSizes", reason: "the output size 3 does not match the 4 target values per sample of the training data"))
    }

    @Test("test data that does not fit: named as the test data")
    func testData() throws {
        let architecture = try NetworkArchitecture(layerSizes: [16, 8, 4], output: .linear, loss: .meanSquaredError)
        let narrow = try Dataset(features: [Float](repeating: 0, count: 8), featureCount: 8, targets: [0, 0, 0, 0], targetWidth: 4)
        #expect(try Self.refusal(architecture, Self.settings(), on: Self.regression, test: narrow) == ConfigurationError(
            parameter: "layerSizes", reason: "the input size 16 does not match the 8 features per sample of the test data"))
    }

    @Test("an accuracy target or patience on target values: the property, not a run of every epoch")
    func accuracyCriteriaOnValues() throws {
        let architecture = try NetworkArchitecture(layerSizes: [16, 8, 4], output: .linear, loss: .meanSquaredError)
        let target = Self.settings { $0.targetAccuracy = 0.9 }
        #expect(try Self.refusal(architecture, target, on: Self.regression) == ConfigurationError(
            parameter: "targetAccuracy",
            reason: "the training data has target values, not class labels, so there is no accuracy to reach; leave it nil for regression"))
        let patience = Self.settings {
            $0.patience = 2
            $0.validationSize = 1
        }
        #expect(try Self.refusal(architecture, patience, on: Self.regression) == ConfigurationError(
            parameter: "patience",
            reason: "watches the validation accuracy, and the training data has target values, not class labels; leave it nil for regression"))
    }

    @Test("an accuracy target with nothing to measure it on: `targetAccuracy`")
    func accuracyTargetUnwatched() throws {
        let data = Dataset(clusteredDataset(samples: 64))
        let architecture = try NetworkArchitecture(layerSizes: [16, 8, 4])
        #expect(try Self.refusal(architecture, Self.settings { $0.targetAccuracy = 0.9 }, on: data) == ConfigurationError(
            parameter: "targetAccuracy",
            reason: "has no accuracy to watch: set `validationSize` to hold out samples, or pass test data with class labels"))
        // A validation split or labelled test data gives it one.
        #expect(try Self.refusal(architecture, Self.settings { $0.targetAccuracy = 0.9; $0.validationSize = 16 }, on: data) == nil)
        #expect(try Self.refusal(architecture, Self.settings { $0.targetAccuracy = 0.9 }, on: data, test: data) == nil)
    }
}
