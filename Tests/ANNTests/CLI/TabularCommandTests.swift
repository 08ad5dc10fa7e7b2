import Foundation
import Testing

@testable import ANN

/// The clustered problem as a CSV file with a header (`f0`…`f15`, then
/// `kind`), its 4 classes named `north`, `east`, `south` and `west`.
@discardableResult
func writeSmallCSV(to directory: ScratchDirectory, name: String = "train.csv", samples: Int = 64, seed: UInt64 = 7) throws -> String {
    let data = clusteredDataset(samples: samples, seed: seed)
    let names = ["north", "east", "south", "west"]
    var text = (0..<16).map { "f\($0)" }.joined(separator: ",") + ",kind\n"
    for sample in 0..<data.count {
        let row = data.pixels[(sample * 16)..<((sample + 1) * 16)].map { String(Double($0) / 10) }
        text += row.joined(separator: ",") + "," + names[Int(data.labels[sample])] + "\n"
    }
    return try directory.writeRaw(name, Array(text.utf8))
}

/// The clustered problem as `X.npy` (float32) and `y.npy` (int64).
func writeSmallNumPy(to directory: ScratchDirectory, prefix: String, samples: Int = 64, seed: UInt64 = 7) throws -> (features: String, labels: String) {
    let data = clusteredDataset(samples: samples, seed: seed)
    let features = try directory.writeRaw(
        "\(prefix)X.npy", NumPyFixture.file(descr: "<f4", shape: [samples, 16], data: NumPyFixture.float32(data.pixels.map { Float($0) })))
    let labels = try directory.writeRaw(
        "\(prefix)y.npy", NumPyFixture.file(descr: "<i8", shape: [samples], data: NumPyFixture.int64(data.labels.map { Int64($0) })))
    return (features, labels)
}

@Suite("ann train on your own tables")
struct TabularCommandTests {
    /// The `test_accuracy` of a `--json` run's summary line.
    static func testAccuracy(_ result: CommandResult) -> Double? {
        guard let line = result.standardOutput.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return nil }
        return object["test_accuracy"] as? Double
    }

    @Test("a CSV with named classes: a held-out split, a network sized from the data")
    func trainsOnCSV() throws {
        let directory = try ScratchDirectory()
        let csv = try writeSmallCSV(to: directory)
        let result = try AnnCommand.run(["train", "--train-csv", csv, "--label-column", "kind", "--normalize", "standard", "--epochs", "20"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("loaded 52 training and 12 test samples (16 features, 4 classes) from \(csv) in "))
        #expect(lines[1] == "test set: 12 samples, 20% of each class of \(csv) held out (split seed 1); the rest train in a shuffled order")
        #expect(lines[2] == "classes: 0 east, 1 north, 2 south, 3 west")
        #expect(lines[3] == "features scaled (standard) by statistics of the first 52 training samples")
        #expect(lines[4].hasPrefix("network 16,64,4 relu softmax cross-entropy"))
        #expect(result.standardOutput.contains("test accuracy 100.00%"))
    }

    @Test(".npy training and test files")
    func trainsOnNumPy() throws {
        let directory = try ScratchDirectory()
        let train = try writeSmallNumPy(to: directory, prefix: "train")
        let test = try writeSmallNumPy(to: directory, prefix: "test", samples: 32, seed: 8)
        let result = try AnnCommand.run([
            "train", "--train-features", train.features, "--train-labels", train.labels, "--test-features", test.features,
            "--test-labels", test.labels, "--normalize", "minmax", "--layers", "16,8,4", "--epochs", "20", "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(Self.testAccuracy(result) == 1)
        // The summary names the data and its scaling.
        let summary = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        let object = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
        let settings = object?["settings"] as? [String: Any]
        #expect(settings?["data"] as? String == train.features)
        #expect(settings?["normalize"] as? String == "minmax")
        #expect(settings?["initial_weights"] == nil)
    }

    @Test("the same seed gives the same weights; the saved model takes raw features and keeps the class names")
    func exactAndSaved() throws {
        let directory = try ScratchDirectory()
        let csv = try writeSmallCSV(to: directory)
        let test = try writeSmallCSV(to: directory, name: "test.csv", samples: 40, seed: 9)
        var files: [Data] = []
        for run in 0..<2 {
            let model = directory.file("model\(run).safetensors")
            let result = try AnnCommand.run([
                "train", "--train-csv", csv, "--test-csv", test, "--normalize", "standard", "--epochs", "5", "--save", model,
                "--threads", "\(run + 1)",
            ])
            #expect(result.status == 0, "\(result.standardError)")
            files.append(try Data(contentsOf: URL(fileURLWithPath: model)))
        }
        #expect(files[0] == files[1])

        let model = directory.file("model0.safetensors")
        let saved = try SafeTensors.read(from: model)
        #expect(saved.metadata["classes"] == #"["east","north","south","west"]"#)
        let evaluation = try AnnCommand.run(["evaluate", "--model", model, "--test-csv", test])
        #expect(evaluation.status == 0, "\(evaluation.standardError)")
        #expect(evaluation.standardOutput.hasPrefix("Accuracy: 100.00% (40 of 40 correct)"))
    }

    @Test("ann evaluate on .npy files: accuracy and probabilities; table flags without a CSV are refused")
    func evaluatesNumPy() throws {
        let directory = try ScratchDirectory()
        let train = try writeSmallNumPy(to: directory, prefix: "train")
        let test = try writeSmallNumPy(to: directory, prefix: "test", samples: 16, seed: 3)
        let model = directory.file("model.safetensors")
        let trained = try AnnCommand.run([
            "train", "--train-features", train.features, "--train-labels", train.labels, "--normalize", "standard",
            "--epochs", "10", "--save", model,
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        let probabilities = directory.file("p.safetensors")
        let result = try AnnCommand.run([
            "evaluate", "--model", model, "--test-features", test.features, "--test-labels", test.labels,
            "--probabilities", probabilities,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("Accuracy: 100.00% (16 of 16 correct)"))
        #expect(try SafeTensors.read(from: probabilities).tensor(named: "probabilities")?.shape == [16, 4])

        let unpaired = try AnnCommand.run(["evaluate", "--model", model, "--test-features", test.features])
        #expect(unpaired.status == 64)
        #expect(unpaired.standardError == "ann: error: --test-features: needs --test-labels FILE too\n")
        let header = try AnnCommand.run([
            "evaluate", "--model", model, "--test-features", test.features, "--test-labels", test.labels, "--header", "absent",
        ])
        #expect(header.status == 64)
        #expect(header.standardError == "ann: error: --header: applies to a CSV file (--test-csv)\n")
    }

    @Test("--report on a table: the confusion matrix, and mistakes as captions without pictures")
    func report() throws {
        let directory = try ScratchDirectory()
        let csv = try writeSmallCSV(to: directory)
        let folder = directory.file("report")
        let result = try AnnCommand.run(["train", "--train-csv", csv, "--epochs", "1", "--lr", "0.0001", "--report", folder])
        #expect(result.status == 0, "\(result.standardError)")
        let page = try String(contentsOfFile: folder + "/index.html", encoding: .utf8)
        #expect(page.contains("Confusion matrix"))
        #expect(page.contains("wrong predictions the network was surest of"))
        #expect(!page.contains("<img alt=\"sample"))
    }

    static func badFlags(_ csv: String, _ npy: (features: String, labels: String)) -> [([String], String)] {
        [
            (["--train-csv", csv, "--layers", "15,8,4"],
             "--layers: the input size 15 does not match the 16 features per sample of \(csv) (leave --layers out to size the network from the data)"),
            (["--train-csv", csv, "--layers", "16,8,3"],
             "--layers: the output size 3 is too narrow for the 4 classes of \(csv) (leave --layers out to size the network from the data)"),
            (["--train-csv", csv, "--test-csv", csv, "--test-fraction", "0.3"],
             "--test-fraction: holds out part of the training data when no test file is given, but one is"),
            (["--train-csv", csv, "--test-fraction", "1"], "--test-fraction: must lie between 0 and 1, both excluded (got 1.0)"),
            (["--train-csv", csv, "--data-dir", "data/mnist"], "--data-dir: reads IDX files; leave it out with --train-csv or --train-features"),
            (["--normalize", "standard"], "--normalize: applies to your own data (--train-csv, or --train-features and --train-labels), not to IDX files"),
            (["--label-column", "kind"], "--label-column: applies to your own data (--train-csv, or --train-features and --train-labels), not to IDX files"),
            (["--train-features", npy.features], "--train-features: needs --train-labels FILE too"),
            (["--test-csv", csv], "--test-csv: needs training data: --train-csv FILE, or --train-features and --train-labels"),
            (["--train-csv", csv, "--train-features", npy.features, "--train-labels", npy.labels],
             "--train-csv: give either --train-csv or --train-features with --train-labels, not both"),
            (["--train-features", npy.features, "--train-labels", npy.labels, "--label-column", "3"],
             "--label-column: applies to CSV files (--train-csv, --test-csv)"),
            (["--train-csv", csv, "--delimiter", "ab"],
             "--delimiter: must be one character other than a quote or a line break, or tab (got \"ab\")"),
            (["--train-csv", csv, "--test-csv", csv, "--split-seed", "3"], "--split-seed: chooses held-out test samples, but a test file is given"),
        ]
    }

    @Test("flags that contradict each other or the data: one line naming the flag, exit 64", arguments: 0..<13)
    func badFlag(index: Int) throws {
        let directory = try ScratchDirectory()
        let csv = try writeSmallCSV(to: directory)
        let npy = try writeSmallNumPy(to: directory, prefix: "")
        let (flags, message) = Self.badFlags(csv, npy)[index]
        let result = try AnnCommand.run(["train", "--epochs", "1"] + flags)
        #expect(result.status == 64)
        #expect(result.standardError == "ann: error: " + message + "\n")
    }

    @Test("a bad row or a test file of another width: the file and line, exit 65")
    func badData() throws {
        let directory = try ScratchDirectory()
        let bad = try directory.writeRaw("bad.csv", Array("a,b,label\n1,2,0\n3,abc,1\n".utf8))
        let result = try AnnCommand.run(["train", "--train-csv", bad])
        #expect(result.status == 65)
        #expect(result.standardError == "ann: error: \(bad) line 3: column 'b' is not a number: 'abc'\n")

        let csv = try writeSmallCSV(to: directory)
        let narrow = try directory.writeRaw("narrow.csv", Array("a,kind\n1,north\n".utf8))
        let mismatch = try AnnCommand.run(["train", "--train-csv", csv, "--test-csv", narrow])
        #expect(mismatch.status == 65)
        #expect(mismatch.standardError == "ann: error: \(narrow): has 1 features per sample, but the training data \(csv) has 16\n")

        let header = (0..<16).map { "f\($0)" }.joined(separator: ",") + ",kind\n"
        let row = (0..<16).map { _ in "1" }.joined(separator: ",") + ",south-east\n"
        let unknown = try directory.writeRaw("unknown.csv", Array((header + row).utf8))
        let unknownClass = try AnnCommand.run(["train", "--train-csv", csv, "--test-csv", unknown])
        #expect(unknownClass.status == 65)
        #expect(unknownClass.standardError == "ann: error: \(unknown) line 2: label 'south-east' is not one of the training classes (east, north, south, west)\n")
    }

    @Test("--init on a table: labels numbered by the model's class names; --normalize refused; a wider output allowed")
    func initFromTableModel() throws {
        let directory = try ScratchDirectory()
        let csv = try writeSmallCSV(to: directory)
        let model = directory.file("model.safetensors")
        let first = try AnnCommand.run(["train", "--train-csv", csv, "--label-column", "kind", "--epochs", "5", "--save", model])
        #expect(first.status == 0, "\(first.standardError)")
        // Only two of the four classes: numbered by the file alone, they would be 0 and 1.
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let subset = try directory.writeRaw(
            "subset.csv", Array(([lines[0]] + lines.dropFirst().filter { $0.hasSuffix(",south") || $0.hasSuffix(",west") })
                .joined(separator: "\n").utf8))
        let flags = ["train", "--train-csv", subset, "--label-column", "kind", "--epochs", "1", "--init", model]
        let resumed = try AnnCommand.run(flags)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("classes: 0 east, 1 north, 2 south, 3 west"))
        let scaled = try AnnCommand.run(flags + ["--normalize", "standard"])
        #expect(scaled.status == 64)
        #expect(scaled.standardError.contains("--normalize: standard would scale the features a second time"))
        let wider = try AnnCommand.run(["train", "--train-csv", csv, "--label-column", "kind", "--epochs", "1", "--layers", "16,8,6"])
        #expect(wider.status == 0, "\(wider.standardError)")
    }
}
