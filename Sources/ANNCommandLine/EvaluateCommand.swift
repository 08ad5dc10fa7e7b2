import ANN
import ArgumentParser
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a saved model on the test set: accuracy, confusion matrix, precision, recall and F1.",
        discussion: """
            The test set is the IDX folder's, or your own table: --test-csv FILE, or \
            --test-features X.npy with --test-labels y.npy. A model trained on a table \
            takes raw features (its scaling is folded into it) and numbers class names \
            as training did.
            """)

    @Option(help: "A model saved by `ann train --save`.")
    var model: String

    @Option(help: "Folder with the IDX files (default: $ANN_DATA_DIR, else data/mnist).")
    var dataDir: String?

    @Option(help: ArgumentHelp("Evaluate on this CSV file instead of IDX data.", valueName: "file"))
    var testCsv: String?

    @Option(help: ArgumentHelp("Evaluate on these NumPy features, with --test-labels.", valueName: "file.npy"))
    var testFeatures: String?

    @Option(help: ArgumentHelp("The labels for --test-features: integer class indices.", valueName: "file.npy"))
    var testLabels: String?

    @OptionGroup var table: TableFlags

    @Option(help: "Threads to evaluate on (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Subnormal floats: flush (to zero, the default) or keep (IEEE).")
    var subnormals = Subnormals.flush

    @Option(help: "Also write every test sample's output probabilities to this safetensors file (tensor \"probabilities\", samples × classes).")
    var probabilities: String?

    func run() throws {
        do {
            if threads < 1 { throw UsageError(flag: "--threads", reason: "must be at least 1 (got \(threads))") }
            let file = try SafeTensors.read(from: model)
            let network = try Network(file, source: model)
            let test = try loadTestSet(classNames: ModelClassNames.decode(file, source: model))
            let matrix = try network.evaluate(on: test, threads: threads, subnormals: subnormals)
            FileHandleOutput.standardOutput.write(EvaluationReport.render(matrix))
            if let probabilities {
                // The inputs as floats, made only when asked for (31 MB for MNIST's test set).
                let inputs: [Float]
                switch test.features {
                case .bytes(let bytes, let scale): inputs = bytes.map { Float($0) * scale }
                case .floats(let floats): inputs = floats
                }
                let outputs = network.predict(batch: inputs, count: test.count, subnormals: subnormals)
                let file = SafeTensors(tensors: [
                    Tensor(name: "probabilities", shape: [test.count, network.architecture.outputSize], values: outputs),
                ])
                do {
                    try file.write(to: probabilities)
                } catch {
                    printError(error.description)
                    throw ExitStatus.cannotWrite
                }
            }
        } catch {
            throw reportFailure(error)
        }
    }

    /// The test set, its inputs as the network takes them.
    private func loadTestSet(classNames: [String]?) throws -> Dataset {
        try TrainingDataFlags.checkTestFiles(csv: testCsv, features: testFeatures, labels: testLabels)
        if let flag = table.firstGiven, testCsv == nil { throw UsageError(flag: flag, reason: "applies to a CSV file (--test-csv)") }
        if dataDir != nil && (testCsv != nil || testFeatures != nil) {
            throw UsageError(flag: "--data-dir", reason: "reads IDX files; leave it out with --test-csv or --test-features")
        }
        let tabular: TabularDataset
        if let testCsv {
            tabular = try CSVDataset.read(at: testCsv, options: table.options(labels: classNames.map { .names($0) } ?? .indices))
        } else if let testFeatures, let testLabels {
            tabular = try TabularDataset(numPyFeatures: testFeatures, labels: testLabels)
        } else {
            let directory = IDXDataDirectory(path: dataDir ?? IDXDataDirectory.defaultPath())
            return Dataset(try directory.loadTestSet())
        }
        return try tabular.dataset()
    }
}
