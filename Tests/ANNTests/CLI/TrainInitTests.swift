import Foundation
import Testing
@testable import ANN

/// `ann train --init MODEL` on the small clustered data set (16 features, 4 classes).
@Suite("ann train --init")
struct TrainInitTests {
    /// A 16,8,4 relu softmax cross-entropy model trained for 3 epochs.
    static func trainedModel(in directory: ScratchDirectory) throws -> String {
        let model = directory.file("start.safetensors")
        let result = try AnnCommand.run([
            "train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "3", "--batch-size", "16",
            "--lr", "0.02", "--threads", "1", "--save", model,
        ])
        try #require(result.status == 0, "\(result.standardError)")
        return model
    }

    /// The epoch objects of a `--json` run.
    static func epochs(_ result: CommandResult) throws -> [[String: Any]] {
        try result.standardOutput.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["epoch"] != nil }
    }

    @Test("starts from the model's weights: its first epoch's loss is below a fresh run's")
    func continuesToLearn() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory, samples: 256)
        let model = try Self.trainedModel(in: directory)
        let common = [
            "train", "--data-dir", directory.path, "--epochs", "1", "--batch-size", "16", "--lr", "0.02", "--threads", "1",
            "--json",
        ]
        let fresh = try AnnCommand.run(common + ["--layers", "16,8,4"])
        let continued = try AnnCommand.run(common + ["--init", model])
        #expect(fresh.status == 0, "\(fresh.standardError)")
        #expect(continued.status == 0, "\(continued.standardError)")
        let freshLoss = try #require(try Self.epochs(fresh).first?["loss"] as? Double)
        let continuedLoss = try #require(try Self.epochs(continued).first?["loss"] as? Double)
        #expect(continuedLoss < freshLoss, "epoch 1 loss from --init \(continuedLoss), fresh \(freshLoss)")
        // The architecture came from the file.
        let summary = try #require(try continued.standardOutput.split(separator: "\n").last.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
        #expect((summary["settings"] as? [String: Any])?["layers"] as? String == "16,8,4")
    }

    @Test("the seed still sets the sample order: same seed, same weights; another seed, others")
    func seedDrivesTheOrder() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory, samples: 128)
        let model = try Self.trainedModel(in: directory)
        func run(seed: Int, save name: String) throws -> Data {
            let result = try AnnCommand.run([
                "train", "--data-dir", directory.path, "--init", model, "--epochs", "1", "--batch-size", "8",
                "--threads", "1", "--seed", "\(seed)", "--save", directory.file(name),
            ])
            try #require(result.status == 0, "\(result.standardError)")
            return try Data(contentsOf: URL(fileURLWithPath: directory.file(name)))
        }
        let first = try run(seed: 5, save: "a.safetensors")
        #expect(try run(seed: 5, save: "b.safetensors") == first)
        #expect(try run(seed: 6, save: "c.safetensors") != first)
    }

    /// Flags given with `--init MODEL` (a 16,8,4 relu softmax cross-entropy
    /// model) and the line they get, `MODEL` standing for its path.
    static let refusedFlags: [([String], String)] = [
        (["--layers", "16,12,4"],
         "ann: error: --layers: 16,12,4 contradicts the model of --init: MODEL has 16,8,4 (leave --layers out to take the model's)"),
        (["--activation", "tanh"],
         "ann: error: --activation: tanh contradicts the model of --init: MODEL has relu (leave --activation out to take the model's)"),
        (["--output", "linear", "--loss", "mse"],
         "ann: error: --output: linear contradicts the model of --init: MODEL has softmax (leave --output out to take the model's)"),
        (["--loss", "mse"],
         "ann: error: --loss: mse contradicts the model of --init: MODEL has cross-entropy (leave --loss out to take the model's)"),
        (["--layers", "16,x"], "ann: error: --layers: \"x\" in \"16,x\" is not a whole number"),
        (["--resume", "--checkpoint-dir", "checkpoints"],
         "ann: error: --init: cannot be combined with --resume: a checkpoint holds the weights to continue from (and the momentum and the place in the run); to resume a run begun with --init, leave --init out"),
        (["--initialization", "xavier"],
         "ann: error: --initialization: xavier has nothing to initialise: with --init the weights come from MODEL"),
    ]

    @Test("a flag that contradicts the model, --resume or --initialization: exit 64, naming the flag and both values",
          arguments: refusedFlags.indices)
    func refusals(index: Int) throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let model = try Self.trainedModel(in: directory)
        let (flags, message) = Self.refusedFlags[index]
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--init", model, "--epochs", "1"] + flags)
        #expect(result.status == 64)
        #expect(result.standardError == message.replacingOccurrences(of: "MODEL", with: model) + "\n")
        #expect(!result.standardOutput.contains("epoch"))
    }

    @Test("flags that repeat the model's values are accepted")
    func agreeingFlags() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let model = try Self.trainedModel(in: directory)
        let result = try AnnCommand.run([
            "train", "--data-dir", directory.path, "--init", model, "--epochs", "1", "--threads", "1",
            "--layers", "16, 8,4", "--activation", "relu", "--output", "softmax", "--loss", "cross-entropy",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("starting from the weights of \(model)"))
        #expect(result.standardOutput.contains("network 16,8,4 relu softmax cross-entropy"))
    }

    @Test("a model whose input does not fit the data: exit 64, naming --init and the model")
    func modelDoesNotFitTheData() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let model = directory.file("nine.safetensors")
        try Network(architecture: try NetworkArchitecture(layerSizes: [9, 4]), seed: 1).save(to: model)
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--init", model, "--epochs", "1"])
        #expect(result.status == 64)
        #expect(result.standardError
            == "ann: error: --init: \(model): the input size 9 does not match the 16 features per sample of the training data\n")
    }

    /// Model files `ann train --init` cannot use: what is written, and what the error names.
    static let badModels: [(String, @Sendable (String) throws -> Void, String)] = [
        ("missing", { _ in }, "cannot read: file is missing"),
        ("truncated", { path in
            let bytes = Network(architecture: try NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 1).safeTensors.encoded()
            try Data(bytes.prefix(bytes.count - 10)).write(to: URL(fileURLWithPath: path))
        }, "lie outside the"),
        ("not a model", { path in
            try SafeTensors(tensors: [Tensor(name: "w", shape: [1], values: [1])]).write(to: path)
        }, "no \"layers\" entry in __metadata__: not a swift-ann model"),
        ("misspelt loss", { path in
            var file = Network(architecture: try NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 1).safeTensors
            file.metadata["loss"] = "crossentropy"
            try file.write(to: path)
        }, "unknown loss \"crossentropy\" in __metadata__"),
        ("non-finite", { path in
            var network = Network(architecture: try NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 1)
            network.parameters[16 * 8 + 3] = .nan
            try network.save(to: path)
        }, "tensor layers.0.bias holds nan at element 3; training needs finite weights"),
    ]

    @Test("a missing or damaged model: one line naming the file and what is wrong, exit 65", arguments: badModels.indices)
    func badModel(index: Int) throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let (name, write, reason) = Self.badModels[index]
        let model = directory.file(name.replacingOccurrences(of: " ", with: "-") + ".safetensors")
        try write(model)
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--init", model, "--epochs", "1"])
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("ann: error: \(model): "))
        #expect(result.standardError.contains(reason), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("an interrupted --init run says how to resume it, and that ends with the uninterrupted run's weights",
          .enabled(if: FileManager.default.fileExists(atPath: fetchedMNISTPath + "/train-images-idx3-ubyte")))
    func interruptAndResume() throws {
        let directory = try ScratchDirectory()
        let model = directory.file("start.safetensors")
        try Network(architecture: try NetworkArchitecture(layerSizes: [784, 64, 10]), seed: 9).save(to: model)
        let flags = ["train", "--data-dir", fetchedMNISTPath, "--epochs", "2", "--threads", "2", "--seed", "3"]
        let reference = directory.file("reference.safetensors")
        let full = try AnnCommand.run(flags + ["--init", model, "--save", reference])
        #expect(full.status == 0, "\(full.standardError)")

        let checkpoints = directory.file("checkpoints"), resumedModel = directory.file("resumed.safetensors")
        let (status, message) = try AnnCommand.runInterrupted(
            flags + ["--init", model, "--checkpoint-dir", checkpoints, "--save", resumedModel], signal: SIGINT)
        #expect(status == 130)
        let advice = "Resume with the same flags, --resume in place of --init \(model), and "
        let range = try #require(message.range(of: advice), "\(message)")
        let networkFlags = message[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(networkFlags == "--layers 784,64,10 --activation relu --output softmax --loss cross-entropy")

        let resumed = try AnnCommand.run(
            flags + ["--checkpoint-dir", checkpoints, "--save", resumedModel, "--resume"]
                + networkFlags.split(separator: " ").map(String.init))
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming from epoch"))
        #expect(try Network.load(from: resumedModel) == Network.load(from: reference))
    }
}
