import ANN
import ArgumentParser
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a saved model on the test set: accuracy, confusion matrix, precision, recall and F1.")

    @Option(help: "A model saved by `ann train --save`.")
    var model: String

    @Option(help: "Folder with the IDX files (default: $ANN_DATA_DIR, else data/mnist).")
    var dataDir: String?

    @Option(help: "Threads to evaluate on (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Subnormal floats: flush (to zero, the default) or keep (IEEE).")
    var subnormals = Subnormals.flush

    @Option(help: "Also write every test sample's output probabilities to this safetensors file (tensor \"probabilities\", samples × classes).")
    var probabilities: String?

    func run() throws {
        do {
            if threads < 1 { throw UsageError(flag: "--threads", reason: "must be at least 1 (got \(threads))") }
            let network = try Network.load(from: model)
            let directory = IDXDataDirectory(path: dataDir ?? IDXDataDirectory.defaultPath())
            let test = try directory.loadTestSet()
            let matrix = try network.evaluate(on: test, threads: threads, subnormals: subnormals)
            FileHandleOutput.standardOutput.write(EvaluationReport.render(matrix))
            if let probabilities {
                let inputs = test.pixels.map { Float($0) * (Float(1) / 255) }
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
}
