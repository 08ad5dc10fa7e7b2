import Foundation
import Testing
@testable import ANN

/// A small IDX data set in the standard file names: 4×4 "images" of the
/// clustered problem, 4 classes.
func writeSmallDataSet(to directory: ScratchDirectory, samples: Int = 64) throws {
    let data = clusteredDataset(samples: samples)
    for prefix in ["train", "t10k"] {
        try directory.writeRaw("\(prefix)-images-idx3-ubyte", IDXFixture.file(shape: [samples, 4, 4], data: data.pixels))
        try directory.writeRaw("\(prefix)-labels-idx1-ubyte", IDXFixture.file(shape: [samples], data: data.labels))
    }
}

@Suite("The ann command line")
struct CommandLineTests {
    static let badFlags: [([String], String)] = [
        (["--threads", "0"], "ann: error: --threads: must be at least 1 (got 0)"),
        (["--batch-size", "0"], "ann: error: --batch-size: must be at least 1 (got 0)"),
        (["--lr=-0.1"], "ann: error: --lr: must be a positive number (got -0.1)"),
        (["--momentum", "1.5"], "ann: error: --momentum: must be in [0, 1) (got 1.5)"),
        (["--layers", "16,x,4"], "ann: error: --layers: \"x\" in \"16,x,4\" is not a whole number"),
        (["--layers", "16"], "ann: error: --layers: needs at least an input and an output size, got 1 size(s)"),
        (["--layers", "100,4"], "ann: error: --layers: the input size 100 does not match the 16 features per sample of the training data"),
        (["--layers", "16,3"], "ann: error: --layers: the output size 3 is smaller than the 4 classes of the training data (labels up to 3: a wider output, or a damaged label file?)"),
        (["--output", "linear"], "ann: error: --loss: cross-entropy needs a softmax output"),
        (["--layers", "16,8,1"],
         "ann: error: --output: a softmax over a single output is always 1, so it cannot learn: to predict a value make --output linear and --loss mean squared error; for classes make the last of --layers one per class"),
        (["--shards", "0"], "ann: error: --shards: must be between 1 and the batch size, 64 (got 0)"),
        (["--epochs", "9223372036854775807"], "ann: error: --epochs: must be at most 1000000 (got 9223372036854775807)"),
        (["--layers", "16,1048576,1048576,4"],
         "ann: error: --layers: has 1099534696452 parameters; at most 1073741824 (4 GiB of floats) are allowed"),
        (["--validation-size", "64"],
         "ann: error: --validation-size: holds out 64 of the 64 training samples, leaving none to train on"),
        (["--patience", "2"], "ann: error: --patience: needs a validation split: set --validation-size to a number of samples"),
    ]

    @Test("bad flags: one line naming the flag, exit 64", arguments: badFlags.indices)
    func badFlag(index: Int) throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let (flags, message) = Self.badFlags[index]
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4"] + flags)
        #expect(result.status == 64)
        #expect(result.standardError == message + "\n")
    }

    @Test("a value the parser cannot read is refused before training")
    func unparsableValue() throws {
        let result = try AnnCommand.run(["train", "--threads", "many"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--threads"))
    }

    @Test("--save into a missing folder is refused before training, exit 73")
    func unwritableSaveCheckedFirst() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let model = directory.file("missing/model.safetensors")
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4", "--save", model])
        #expect(result.status == 73)
        #expect(result.standardError.hasPrefix("ann: error: cannot write \(model): "))
        #expect(!result.standardOutput.contains("epoch"))
    }

    /// `ann train … | head -1`: the reader goes away after a line; the run
    /// must still finish and write its files.
    @Test("a closed standard output does not end the run")
    func closedStandardOutput() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let model = directory.file("model.safetensors")
        let process = Process()
        process.executableURL = AnnCommand.executable
        process.arguments = ["train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "30", "--save", model]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForReading.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: model))
        // Nothing but the model and the data: the lock on --save is gone with the run.
        #expect(!FileManager.default.fileExists(atPath: directory.file(".model.safetensors.lock")))
    }

    static let choiceFlags: [(flag: String, bad: String, good: String, summaryKey: String)] = [
        ("--subnormals", "sometimes", "keep", "subnormals"), ("--precision", "fp16", "bf16", "precision"),
    ]

    @Test("a choice flag refuses what it does not know by name, and its choice reaches the summary",
          arguments: choiceFlags.indices)
    func choiceFlag(index: Int) throws {
        let (flag, bad, good, key) = Self.choiceFlags[index]
        let refused = try AnnCommand.run(["train", flag, bad])
        #expect(refused.status == 64)
        #expect(refused.standardError.contains(flag))
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let result = try AnnCommand.run([
            "train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "1", "--json", flag, good,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("\"\(key)\":\"\(good)\""))
    }

    static let badFiles: [(String, @Sendable (ScratchDirectory) throws -> Void, String)] = [
        ("missing", { try FileManager.default.removeItem(atPath: $0.file("train-images-idx3-ubyte")) }, "train-images-idx3-ubyte"),
        ("truncated", { try $0.writeRaw("train-images-idx3-ubyte", IDXFixture.file(shape: [64, 4, 4], data: [UInt8](repeating: 1, count: 100))) }, "train-images-idx3-ubyte"),
        ("wrong magic", { try $0.writeRaw("t10k-labels-idx1-ubyte", IDXFixture.header(magic: (1, 2), dimensions: [64]) + [UInt8](repeating: 0, count: 64)) }, "t10k-labels-idx1-ubyte"),
        ("counts differ", { try $0.writeRaw("train-labels-idx1-ubyte", IDXFixture.file(shape: [63], data: [UInt8](repeating: 0, count: 63))) }, "train-labels-idx1-ubyte"),
        ("gigabytes claimed", { try $0.writeRaw("train-images-idx3-ubyte", IDXFixture.header(dimensions: [1_000_000_000, 28, 28]) + [0, 0, 0]) }, "train-images-idx3-ubyte"),
    ]

    @Test("bad data files: one line naming the file, exit 65", arguments: badFiles.indices)
    func badFile(index: Int) throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let (_, damage, file) = Self.badFiles[index]
        try damage(directory)
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "1"])
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("ann: error: "))
        #expect(result.standardError.contains(file))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("train --json prints one object per epoch and a summary; evaluate reads the saved model")
    func trainSaveEvaluate() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory, samples: 200)
        let model = directory.file("model.safetensors")
        let result = try AnnCommand.run([
            "train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "3", "--threads", "2",
            "--batch-size", "16", "--json", "--save", model, "--report", directory.file("report"),
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        for (index, epoch) in objects.prefix(3).enumerated() {
            #expect(epoch["epoch"] as? Int == index + 1)
            for key in ["loss", "train_accuracy", "test_accuracy", "seconds", "samples_per_second"] {
                #expect(epoch[key] is Double, "epoch object lacks \(key)")
            }
            // 200 samples in steps of 16.
            let steps = epoch["step_seconds"] as? [String: Any]
            #expect(steps?["steps"] as? Int == 13)
            for key in ["median", "p90", "p99", "max"] {
                #expect(steps?[key] is Double, "step_seconds lacks \(key)")
            }
        }
        let summary = objects[3]
        #expect(summary["type"] as? String == "summary")
        #expect(summary["threads"] as? Int == 2)
        #expect(summary["test_accuracy"] is Double)
        #expect(summary["training_seconds"] is Double)
        #expect((summary["settings"] as? [String: Any])?["batch_size"] as? Int == 16)

        let page = try String(contentsOfFile: directory.file("report/index.html"), encoding: .utf8)
        #expect(page.contains("<svg"))
        #expect(!page.contains("<script"))

        let evaluation = try AnnCommand.run(["evaluate", "--model", model, "--data-dir", directory.path])
        #expect(evaluation.status == 0, "\(evaluation.standardError)")
        #expect(evaluation.standardOutput.contains("precision"))
        #expect(evaluation.standardOutput.contains("recall"))

        let unwritable = try AnnCommand.run([
            "evaluate", "--model", model, "--data-dir", directory.path, "--probabilities", directory.file("missing/p.safetensors"),
        ])
        #expect(unwritable.status == 73)
        #expect(unwritable.standardError.hasPrefix("ann: error: "))
        #expect(unwritable.standardError.contains("missing/p.safetensors"))
        #expect(unwritable.standardError.split(separator: "\n").count == 1)
    }

    @Test("plain output: one summary line per epoch with the effective thread count")
    func plainOutput() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let result = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "2", "--threads", "1"])
        #expect(result.status == 0)
        let epochLines = result.standardOutput.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.count == 2)
        #expect(epochLines.allSatisfy { $0.contains("loss") && $0.contains("test") && $0.contains(" s") })
        #expect(result.standardOutput.contains("1 thread"))
        #expect(!result.standardOutput.contains("\r"))
    }

    @Test("info names the CPU and reports the cores, the vector width and the subnormal mode")
    func info() throws {
        let result = try AnnCommand.run(["info", "--json"])
        #expect(result.status == 0)
        let line = try #require(result.standardOutput.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "info")
        #expect(!(object["cpu"] as? String ?? "").isEmpty)
        #expect((object["cores"] as? Int ?? 0) >= 1)
        #expect([8, 16].contains(object["vector_width"] as? Int ?? 0))
        #expect(object["flushes_subnormals"] as? Bool != nil)
        #expect(object["bfloat16_instructions"] as? Bool != nil)

        let text = try AnnCommand.run(["info"])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("cpu: "))
        #expect(text.standardOutput.contains("subnormal floats: "))
    }

    @Test("evaluate refuses a damaged model, naming it")
    func damagedModel() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let model = try directory.writeRaw("broken.safetensors", [1, 2, 3])
        let result = try AnnCommand.run(["evaluate", "--model", model, "--data-dir", directory.path])
        #expect(result.status == 65)
        #expect(result.standardError.contains("broken.safetensors"))
    }
}

@Suite("Divergence on the command line")
struct DivergenceCommandTests {
    @Test("a diverging run exits 70 naming epoch and step, and leaves the saved model and checkpoints alone")
    func divergenceLeavesFilesAlone() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory, samples: 128)
        let model = directory.file("model.safetensors"), checkpoints = directory.file("checkpoints")
        let common = ["train", "--data-dir", directory.path, "--layers", "16,8,4", "--threads", "1", "--batch-size", "16",
                      "--save", model, "--checkpoint-dir", checkpoints, "--schedule", "constant"]
        let good = try AnnCommand.run(common + ["--epochs", "2"])
        #expect(good.status == 0, "\(good.standardError)")
        let savedModel = try Data(contentsOf: URL(fileURLWithPath: model))
        let savedCheckpoints = try FileManager.default.contentsOfDirectory(atPath: checkpoints).sorted()

        let bad = try AnnCommand.run(common + ["--epochs", "3", "--lr", "1e30"])
        #expect(bad.status == 70)
        #expect(bad.standardError.hasPrefix("ann: error: training diverged at epoch 1, step "))
        #expect(bad.standardError.contains("lower learning rate"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == savedModel)
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints).sorted() == savedCheckpoints)
    }
}
