import Testing
@testable import ANN

@Suite("Bad settings are refused with the property named")
struct ConfigurationTests {
    static let cases: [(String, @Sendable (inout TrainingConfiguration) -> Void, String)] = [
        ("threads", { $0.threads = 0 }, "threads: must be at least 1 (got 0)"),
        ("batchSize", { $0.batchSize = 0 }, "batchSize: must be at least 1 (got 0)"),
        ("learningRate", { $0.learningRate = -0.1 }, "learningRate: must be a positive number (got -0.1)"),
        ("learningRate", { $0.learningRate = .nan }, "learningRate: must be a positive number (got nan)"),
        ("momentum", { $0.momentum = 1 }, "momentum: must be in [0, 1) (got 1.0)"),
        ("l1", { $0.l1 = -1 }, "l1: must be zero or positive (got -1.0)"),
        ("l2", { $0.l2 = -1 }, "l2: must be zero or positive (got -1.0)"),
        ("epochs", { $0.epochs = 0 }, "epochs: must be at least 1 (got 0)"),
        ("targetAccuracy", { $0.targetAccuracy = 1.5 }, "targetAccuracy: must be a fraction in (0, 1] (got 1.5)"),
        ("patience", { $0.patience = 3 }, "patience: needs a validation split: set `validationSize` to a number of samples"),
    ]

    @Test(arguments: cases.indices)
    func refused(index: Int) {
        let (parameter, change, message) = Self.cases[index]
        var settings = TrainingConfiguration()
        change(&settings)
        #expect(throws: ConfigurationError.self) { try settings.validate() }
        do {
            try settings.validate()
        } catch {
            #expect(error.parameter == parameter)
            #expect(error.description == message)
        }
    }

    @Test func defaultsAreValid() throws {
        try TrainingConfiguration().validate()
    }

    @Test func architectures() {
        #expect(throws: ConfigurationError(parameter: "layerSizes", reason: "needs at least an input and an output size, got 1 size(s)")) {
            try NetworkArchitecture(layerSizes: [784])
        }
        #expect(throws: ConfigurationError(parameter: "layerSizes", reason: "layer size 0 is outside 1...1048576")) {
            try NetworkArchitecture(layerSizes: [784, 0, 10])
        }
        #expect(throws: ConfigurationError(parameter: "loss", reason: "cross-entropy needs a softmax output")) {
            try NetworkArchitecture(layerSizes: [4, 2], output: .linear, loss: .crossEntropy)
        }
    }
}
