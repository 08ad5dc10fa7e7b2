import Testing
@testable import ANN

@Suite("Bad settings are refused with the flag named")
struct ConfigurationTests {
    static let cases: [(String, @Sendable (inout TrainingConfiguration) -> Void, String)] = [
        ("--threads", { $0.threads = 0 }, "--threads: must be at least 1 (got 0)"),
        ("--batch-size", { $0.batchSize = 0 }, "--batch-size: must be at least 1 (got 0)"),
        ("--lr", { $0.learningRate = -0.1 }, "--lr: must be a positive number (got -0.1)"),
        ("--lr", { $0.learningRate = .nan }, "--lr: must be a positive number (got nan)"),
        ("--momentum", { $0.momentum = 1 }, "--momentum: must be in [0, 1) (got 1.0)"),
        ("--l1", { $0.l1 = -1 }, "--l1: must be zero or positive (got -1.0)"),
        ("--l2", { $0.l2 = -1 }, "--l2: must be zero or positive (got -1.0)"),
        ("--epochs", { $0.epochs = 0 }, "--epochs: must be at least 1 (got 0)"),
        ("--target-accuracy", { $0.targetAccuracy = 1.5 }, "--target-accuracy: must be a fraction in (0, 1] (got 1.5)"),
        ("--patience", { $0.patience = 3 }, "--patience: needs a validation split: add --validation-size N"),
    ]

    @Test(arguments: cases.indices)
    func refused(index: Int) {
        let (flag, change, message) = Self.cases[index]
        var settings = TrainingConfiguration()
        change(&settings)
        #expect(throws: ConfigurationError.self) { try settings.validate() }
        do {
            try settings.validate()
        } catch {
            #expect(error.flag == flag)
            #expect(error.description == message)
        }
    }

    @Test func defaultsAreValid() throws {
        try TrainingConfiguration().validate()
    }

    @Test func architectures() {
        #expect(throws: ConfigurationError(flag: "--layers", reason: "needs at least an input and an output size, got 1 size(s)")) {
            try NetworkArchitecture(layerSizes: [784])
        }
        #expect(throws: ConfigurationError(flag: "--layers", reason: "layer size 0 is outside 1...1048576")) {
            try NetworkArchitecture(layerSizes: [784, 0, 10])
        }
        #expect(throws: ConfigurationError(flag: "--loss", reason: "cross-entropy needs a softmax output")) {
            try NetworkArchitecture(layerSizes: [4, 2], output: .linear, loss: .crossEntropy)
        }
    }
}
