import ANN
import ArgumentParser
import Foundation

extension Activation: ExpressibleByArgument {}
extension OutputActivation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension Subnormals: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on an IDX data set (MNIST by default).",
        discussion: """
            Each minibatch is split into shards whose gradients are added in a fixed \
            order, so a run gives the same weights for a given seed and shard count, \
            on any number of threads.
            """)

    @Option(help: "Layer sizes from input to output, comma-separated.")
    var layers = "784,256,128,10"

    @Option(help: "Hidden-layer activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var activation = Activation.relu

    @Option(help: "Output layer: softmax or linear.")
    var output = OutputActivation.softmax

    @Option(help: "Loss: cross-entropy or mse.")
    var loss = Loss.crossEntropy

    @Option(help: "Weight initialisation: he or xavier (default: he for relu, xavier otherwise).")
    var initialization: Initialization?

    @Option(help: "Passes over the training set.")
    var epochs = TrainingConfiguration().epochs

    @Option(help: "Samples per minibatch.")
    var batchSize = TrainingConfiguration().batchSize

    @Option(name: .customLong("lr"), help: "Initial learning rate.")
    var learningRate = TrainingConfiguration().learningRate

    @Option(help: "Learning-rate schedule: constant or cosine (to zero over the run).")
    var schedule = TrainingConfiguration().schedule

    @Option(help: "Momentum (0 for plain SGD).")
    var momentum = TrainingConfiguration().momentum

    @Option(help: "L1 penalty on weights.")
    var l1: Float = 0

    @Option(help: "L2 penalty (weight decay) on weights.")
    var l2: Float = 0

    @Option(help: "Threads to train on (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Parts each minibatch is split into, their gradients added in order (default: one per 512 samples). Threads never change the weights; shards do.")
    var shards: Int?

    @Option(help: "Subnormal floats (below 1.2e-38): flush (to zero, the default) or keep (IEEE; slow on many Intel CPUs).")
    var subnormals = Subnormals.flush

    @Option(help: "Seed for the initial weights and the sample order.")
    var seed: UInt64 = 1

    @Option(help: "Hold out this many samples from the end of the training set for validation.")
    var validationSize = 0

    @Option(help: "Stop when accuracy (validation split, else test set) reaches this fraction, e.g. 0.98.")
    var targetAccuracy: Double?

    @Option(help: "Stop after this many epochs without better validation accuracy (needs --validation-size).")
    var patience: Int?

    @Option(help: "Folder with the IDX files (default: $ANN_DATA_DIR, else data/mnist).")
    var dataDir: String?

    @Option(help: "Save the trained weights to this safetensors file.")
    var save: String?

    @Option(help: "Write a checkpoint to this folder after every epoch (and on Ctrl-C).")
    var checkpointDir: String?

    @Flag(help: "Continue from the newest valid checkpoint in --checkpoint-dir (same flags as the first run).")
    var resume = false

    @Option(help: "Write a self-contained HTML report (charts, confusion matrix, worst mistakes) into this folder.")
    var report: String?

    @Flag(help: "Print one JSON object per epoch and a final summary, for scripts.")
    var json = false

    func run() throws {
        do {
            try train()
        } catch {
            throw reportFailure(error)
        }
    }

    private func train() throws {
        // Before anything is printed, so a Ctrl-C from the first line on is a polite stop.
        StopSignal.install()
        let architecture = try NetworkArchitecture(
            layerSizes: try parseLayers(), activation: activation, output: output, loss: loss)
        let settings = try trainingConfiguration()
        let directory = IDXDataDirectory(path: dataDir ?? IDXDataDirectory.defaultPath())

        let loadStart = Date()
        let training = try directory.loadTrainingSet()
        let test = try directory.loadTestSet()
        let loadSeconds = Date().timeIntervalSince(loadStart)

        let reporter = ProgressReporter(json: json, epochs: epochs)
        let store = checkpointDir.map { CheckpointStore(directory: $0) }
        let trainer = try makeTrainer(architecture: architecture, settings: settings, store: store, reporter: reporter)
        try trainer.checkCompatible(training, role: "training")
        try trainer.checkCompatible(test, role: "test")

        reporter.announce(
            "loaded \(training.count) training and \(test.count) test samples from \(directory.path) in \(String(format: "%.2f", loadSeconds)) s")
        reporter.announce("network \(layers) \(activation.rawValue) \(output.rawValue) \(loss.rawValue); \(trainer.plan)")

        let summary = try trainer.train(
            on: training, test: test, checkpoints: store,
            progress: { reporter.handle($0) }, stopRequested: { StopSignal.isRequested })

        if case .interrupted = summary.stopReason {
            reporter.interrupted()
            var message = "ann: \(summary.stopReason)"
            if let last = summary.checkpoints.last {
                message += "; checkpoint written to \(last). Resume with the same flags and --resume"
            } else {
                message += "; nothing was saved (add --checkpoint-dir DIR to be able to resume)"
            }
            FileHandleOutput.standardError.write(message + "\n")
            throw ExitStatus.interrupted
        }
        if let save {
            do {
                try summary.network.save(to: save)
            } catch {
                printError(error.description)
                throw ExitStatus.cannotWrite
            }
        }
        if let report {
            try writeReport(to: report, summary: summary, test: test, settings: settings, loadSeconds: loadSeconds)
        }
        reporter.finish(summary: summary, settings: settings, command: self, loadSeconds: loadSeconds)
    }

    private func writeReport(
        to directory: String, summary: TrainingSummary, test: LabeledDataset, settings: TrainingConfiguration,
        loadSeconds: Double
    ) throws {
        let network = summary.network
        let page = TrainingReportPage(
            title: "swift-ann: \(layers) \(activation.rawValue) on \(test.count) test samples",
            epochs: summary.epochs,
            confusion: try network.evaluate(on: test, threads: settings.threads, subnormals: settings.subnormals),
            settings: [
                ("layers", layers), ("activation", activation.rawValue), ("output", output.rawValue),
                ("loss", loss.rawValue), ("epochs", "\(settings.epochs)"), ("batch size", "\(settings.batchSize)"),
                ("learning rate", "\(settings.learningRate) (\(settings.schedule.rawValue))"),
                ("momentum", "\(settings.momentum)"), ("L1", "\(settings.l1)"), ("L2", "\(settings.l2)"),
                ("seed", "\(settings.seed)"), ("subnormals", settings.subnormals.rawValue),
                ("stopped", summary.stopReason.description),
            ],
            timing: [
                ("data loading", String(format: "%.2f s", loadSeconds)),
                ("training", String(format: "%.2f s", summary.trainingSeconds)),
                ("threads", summary.plan.description),
            ],
            mistakes: network.mostConfidentMistakes(
                on: test, limit: 24, inputScale: settings.inputScale, subnormals: settings.subnormals),
            imageShape: test.imageShape)
        do {
            try page.write(toDirectory: directory)
        } catch {
            printError(error.description)
            throw ExitStatus.cannotWrite
        }
    }

    /// A fresh trainer, or with --resume the one the newest valid checkpoint describes.
    private func makeTrainer(
        architecture: NetworkArchitecture, settings: TrainingConfiguration, store: CheckpointStore?, reporter: ProgressReporter
    ) throws -> Trainer {
        guard resume else {
            return try Trainer(network: Network(architecture: architecture, seed: seed, initialization: initialization), configuration: settings)
        }
        guard let store else { throw UsageError(flag: "--resume", reason: "needs --checkpoint-dir DIR") }
        let (found, skipped) = store.newestValid()
        for fault in skipped { reporter.warn("skipping damaged checkpoint \(fault)") }
        guard let checkpoint = found else {
            throw UsageError(flag: "--resume", reason: "no valid checkpoint in \(store.directory)")
        }
        guard checkpoint.architecture == architecture else {
            throw UsageError(
                flag: "--resume",
                reason: "the checkpoint holds a \(checkpoint.architecture.layerSizes.map(String.init).joined(separator: ",")) \(checkpoint.architecture.activation.rawValue) network; the flags ask for \(layers) \(activation.rawValue)")
        }
        reporter.announce("resuming from epoch \(checkpoint.epochsCompleted + 1), step \(checkpoint.stepInEpoch) of \(store.directory)")
        return try Trainer(resuming: checkpoint, configuration: settings)
    }

    private func parseLayers() throws(UsageError) -> [Int] {
        let parts = layers.split(separator: ",", omittingEmptySubsequences: false)
        var sizes: [Int] = []
        for part in parts {
            guard let size = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw UsageError(flag: "--layers", reason: "\"\(part)\" in \"\(layers)\" is not a whole number")
            }
            sizes.append(size)
        }
        return sizes
    }

    private func trainingConfiguration() throws(ConfigurationError) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.learningRate = learningRate
        settings.schedule = schedule
        settings.momentum = momentum
        settings.l1 = l1
        settings.l2 = l2
        settings.threads = threads
        settings.shards = shards
        settings.subnormals = subnormals
        settings.seed = seed
        settings.validationSize = validationSize
        settings.targetAccuracy = targetAccuracy
        settings.patience = patience
        try settings.validate()
        return settings
    }
}
