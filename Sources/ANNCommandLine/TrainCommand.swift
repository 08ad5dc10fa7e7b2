import ANN
import ArgumentParser
import Foundation

extension Activation: ExpressibleByArgument {}
extension OutputActivation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension Subnormals: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}

/// `ann train`.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on an IDX data set (MNIST by default), or on your own CSV or NumPy table.",
        discussion: """
            Each minibatch is split into shards whose gradients are added in a fixed \
            order, so a run gives the same weights for a given seed and shard count, \
            on any number of threads. The defaults are those of the library's \
            TrainingConfiguration but for --threads (every core here, 1 there).

            --init MODEL starts from a saved model's weights instead of fresh ones; \
            the model decides the network, and --layers, --activation, --output and \
            --loss, if given, must agree with it.

            Your own data: --train-csv FILE (numeric features, a label column), or \
            --train-features X.npy with --train-labels y.npy. Labels are class indices \
            0, 1, …, or class names, numbered in sorted order. Without a test file, \
            --test-fraction of each class is held out for testing. The network's \
            input and output widths follow the data; without --layers it has one \
            hidden layer of \(Self.tabularHiddenWidth).
            """)

    /// The hidden layer of a table's network when --layers is not given: wide
    /// enough for the small tables MLPs suit, small enough to train in seconds.
    static let tabularHiddenWidth = 64

    /// The IDX network when --layers is not given: MNIST's.
    static let idxLayers = "784,256,128,10"

    // The four flags of the architecture have no default of their own, so
    // that with --init a flag given can be told from one left out.
    @Option(help: "Layer sizes from input to output, comma-separated (default: \(Self.idxLayers) for IDX data, FEATURES,\(Self.tabularHiddenWidth),CLASSES for a table; with --init, the model's).")
    var layers: String?

    @Option(help: "Hidden-layer activation (default: relu; with --init, the model's).")
    var activation: Activation?

    @Option(help: "Output layer (default: softmax; with --init, the model's).")
    var output: OutputActivation?

    @Option(help: "Loss; cross-entropy needs a softmax output (default: cross-entropy; with --init, the model's).")
    var loss: Loss?

    @Option(help: "Weight initialisation: he or xavier (default: he for relu, xavier otherwise).")
    var initialization: Initialization?

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            "Start from the weights of this model (a file of --save, or any safetensors file in its format).",
            discussion: "The model sets the layers, activation, output and loss; those flags may only repeat its values. --seed still sets the sample order.",
            valueName: "model"))
    var initialModel: String?

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
    var l1 = TrainingConfiguration().l1

    @Option(help: "L2 penalty (weight decay) on weights.")
    var l2 = TrainingConfiguration().l2

    @Option(help: "Threads to train on (default: every core, where the library's TrainingConfiguration has 1; under ann-mpi, the cores shared by the processes on the machine).")
    var threads: Int?

    @Option(help: "Parts each minibatch is split into, their gradients added in order (default: one per 512 samples). Threads never change the weights; shards do.")
    var shards: Int?

    @Option(help: "Subnormal floats (below 1.2e-38): flush (to zero, the default) or keep (IEEE; slow on many Intel CPUs).")
    var subnormals = TrainingConfiguration().subnormals

    @Option(help: "Operands of the matrix products: fp32, or bf16 (bfloat16 operands, fp32 sums and weights; fast on CPUs with AMX or AVX512-BF16).")
    var precision = TrainingConfiguration().precision

    @Option(help: "Seed for the initial weights and the sample order (with --init, the sample order only).")
    var seed = TrainingConfiguration().seed

    @Option(help: "Hold out this many samples from the end of the training set for validation.")
    var validationSize = TrainingConfiguration().validationSize

    @Option(help: "Stop when accuracy (validation split, else test set) reaches this fraction, e.g. 0.98.")
    var targetAccuracy: Double?

    @Option(help: "Stop after this many epochs without better validation accuracy (needs --validation-size).")
    var patience: Int?

    @OptionGroup(title: "Data")
    var data: TrainingDataFlags

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

    public init() {}

    public func run() throws {
        try run(together: nil)
    }

    /// `ann train` as one of several processes training together (MPI's
    /// `ann-mpi train`), or alone when `processes` is nil. Process 0 alone
    /// prints progress and writes the model, the report and the checkpoints;
    /// a failure one process meets before training stops them all, and only
    /// the first process that met it says what it was, naming itself.
    public func run(together processes: TrainingProcesses?) throws {
        // Before anything is printed, so a Ctrl-C from the first line on is a polite stop.
        StopSignal.install()
        let group = processes?.group
        let leader = (group?.rank ?? 0) == 0
        let reporter = leader ? ProgressReporter(json: json, epochs: epochs) : nil

        var setup: Setup?, failure: Failure?
        do {
            setup = try prepare(group: group, processesHere: processes?.processesOnThisMachine ?? 1, reporter: reporter)
        } catch {
            failure = Failure(error)
        }
        if let group {
            try settle(failure, among: group)
        } else if let failure {
            throw failure.reported()
        }
        guard let setup else { throw ExitCode.failure }
        // The lock on --save lasts the run.
        defer { withExtendedLifetime(setup.saveLock) {} }
        for line in setup.announcements { reporter?.announce(line) }
        if precision == .bf16 && !MachineProfile.current.hasBFloat16Instructions {
            reporter?.warn("this CPU has neither AMX nor AVX512-BF16: bf16 runs the portable path, operands rounded to bfloat16 and multiplied in fp32, no faster than fp32")
        }
        let (trainer, training, test, settings, store, loadSeconds) =
            (setup.trainer, setup.training, setup.test, setup.settings, setup.store, setup.loadSeconds)

        let summary: TrainingSummary
        do {
            summary = try trainer.train(
                on: training, test: test, checkpoints: leader ? store : nil,
                progress: { reporter?.handle($0) }, stopRequested: { StopSignal.isRequested })
        } catch {
            // A checkpoint only process 0 writes fails there alone, while the
            // others would wait for it: stop them all. Anything else every
            // process met at the same step, the same way.
            if case .checkpoint = error {
                if let processes {
                    printError("process 0: \(error)")
                    processes.abort(Failure(error).code.rawValue)
                }
                // The weights reached are still worth keeping.
                printError(error.description)
                if let save {
                    do {
                        try Self.saveModel(trainer.network, table: setup.table, to: save)
                        FileHandleOutput.standardError.write("ann: the weights reached so far are saved to \(save)\n")
                    } catch {
                        printError(error.description)
                    }
                }
                throw ExitStatus.cannotWrite
            }
            throw leader ? Failure(error).reported() : Failure(error).code
        }

        if case .interrupted = summary.stopReason {
            guard let reporter else { throw ExitStatus.interrupted }
            reporter.interrupted()
            var message = "ann: \(summary.stopReason)"
            if let last = summary.checkpoints.last {
                message += "; checkpoint written to \(last). Resume with \(resumeAdvice(setup.architecture))"
            } else {
                message += "; nothing was saved (add --checkpoint-dir DIR to be able to resume)"
            }
            FileHandleOutput.standardError.write(message + "\n")
            throw ExitStatus.interrupted
        }
        guard let reporter else { return }
        if let save {
            do {
                try Self.saveModel(summary.network, table: setup.table, to: save)
            } catch {
                printError(error.description)
                throw ExitStatus.cannotWrite
            }
        }
        if let report {
            try writeReport(to: report, summary: summary, setup: setup)
        }
        reporter.finish(
            summary: summary, architecture: setup.architecture, settings: settings, command: self,
            dataSource: dataSource(setup), loadSeconds: loadSeconds)
    }

    /// What a run needs once its flags, data and checkpoint are read.
    private struct Setup {
        let trainer: Trainer
        let architecture: NetworkArchitecture
        let training: Dataset
        let test: Dataset
        /// The shape of an IDX image, for the report's pictures of mistakes.
        let imageShape: [Int]?
        /// A table's scaling and class names, for the saved model.
        let table: TabularData?
        let settings: TrainingConfiguration
        let store: CheckpointStore?
        let loadSeconds: Double
        let saveLock: ExclusiveLock?
        /// What to tell people once every process is ready.
        let announcements: [String]
    }

    private func prepare(group: (any ProcessGroup)?, processesHere: Int, reporter: ProgressReporter?) throws -> Setup {
        let givenLayers = try layers.map { text throws(UsageError) in try Self.parseLayers(text) }
        try data.checkCombination()
        let (model, initial, modelClassNames) = try startingPoint(givenLayers: givenLayers)
        if !data.isTabular, model == nil {
            // The network is checked before 60,000 images are read.
            _ = try architecture(layerSizes: givenLayers ?? Self.parseLayers(Self.idxLayers))
        }
        let settings = try trainingConfiguration(processesHere: processesHere)

        let loadStart = Date()
        let training: Dataset, test: Dataset, imageShape: [Int]?, table: TabularData?
        let layerSizes: [Int], loaded: String
        if data.isTabular {
            let tables = try data.loadTables(validationSize: settings.validationSize, classNames: modelClassNames)
            layerSizes = try model?.layerSizes ?? Self.tabularLayers(givenLayers, for: tables)
            (training, test, imageShape, table) = (tables.training, tables.test, nil, tables)
            loaded = "(\(tables.featureCount) features, \(tables.classCount) classes) from \(tables.source)"
        } else {
            layerSizes = try model?.layerSizes ?? givenLayers ?? Self.parseLayers(Self.idxLayers)
            let directory = IDXDataDirectory(path: data.dataDir ?? IDXDataDirectory.defaultPath())
            let images = try directory.loadTrainingSet(), testImages = try directory.loadTestSet()
            training = Dataset(images, inputScale: settings.inputScale)
            test = Dataset(testImages, inputScale: settings.inputScale)
            (imageShape, table) = (testImages.imageShape, nil)
            loaded = "from \(directory.path)"
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let architecture = try model ?? architecture(layerSizes: layerSizes)

        // Outputs are checked before the run, not found unwritable after it.
        var saveLock: ExclusiveLock?
        if let save, (group?.rank ?? 0) == 0 {
            do {
                try SafeTensors.checkWritable(save)
                saveLock = try SafeTensors.lockForWriting(save)
            } catch {
                throw FileWriteError(path: save, reason: error.reason)
            }
        }
        let store = checkpointDir.map { CheckpointStore(directory: $0) }
        let trainer = try makeTrainer(
            architecture: architecture, initial: initial, settings: settings, training: training, store: store,
            group: group, reporter: reporter)
        do {
            try trainer.checkCompatible(training, role: "training")
            try trainer.checkCompatible(test, role: "test")
        } catch {
            // With --init, not a flag's doing but the model's.
            guard let initialModel, error.parameter == "layerSizes" else { throw error }
            throw UsageError(flag: "--init", reason: "\(initialModel): \(error.reason)")
        }

        var announcements = [
            "loaded \(training.count) training and \(test.count) test samples \(loaded) in \(String(format: "%.2f", loadSeconds)) s",
        ] + (table?.notes ?? [])
        if let initialModel { announcements.append("starting from the weights of \(initialModel)") }
        announcements.append("network \(Self.describe(architecture))\(precision == .bf16 ? " bf16 on \(MachineProfile.current.bfloat16Path.rawValue)" : ""); \(trainer.plan)")
        return Setup(
            trainer: trainer, architecture: architecture, training: training, test: test, imageShape: imageShape,
            table: table, settings: settings, store: store, loadSeconds: loadSeconds, saveLock: saveLock,
            announcements: announcements)
    }

    /// The flags' network of these layer sizes, their defaults where left out.
    private func architecture(layerSizes: [Int]) throws(ConfigurationError) -> NetworkArchitecture {
        try NetworkArchitecture(
            layerSizes: layerSizes, activation: activation ?? .relu, output: output ?? .softmax, loss: loss ?? .crossEntropy)
    }
    /// How to resume this run: with its flags and --resume; a run begun with
    /// --init drops it (the checkpoint holds the weights now) and names the
    /// model's network where the flags left it out, as --resume needs it.
    private func resumeAdvice(_ architecture: NetworkArchitecture) -> String {
        guard let initialModel else { return "the same flags and --resume" }
        let flags = [
            ("--layers", layers, Self.layersText(architecture)),
            ("--activation", activation?.rawValue, architecture.activation.rawValue),
            ("--output", output?.rawValue, architecture.output.rawValue),
            ("--loss", loss?.rawValue, architecture.loss.rawValue),
        ]
        let missing = flags.filter { $0.1 == nil }.map { "\($0.0) \($0.2)" }
        return "the same flags, --resume in place of --init \(initialModel)"
            + (missing.isEmpty ? "" : ", and \(missing.joined(separator: " "))")
    }

    /// The network to train: the flags' architecture, or with --init the
    /// model's, with its weights (the flags may only repeat what it holds).
    /// `classNames`: the names a table's labels had when the model was
    /// saved (`--save` keeps them), which number this run's labels alike.
    private func startingPoint(
        givenLayers sizes: [Int]?
    ) throws -> (architecture: NetworkArchitecture?, network: Network?, classNames: [String]?) {
        guard let initialModel else { return (nil, nil, nil) }
        if resume {
            throw UsageError(
                flag: "--init",
                reason: "cannot be combined with --resume: a checkpoint holds the weights to continue from (and the momentum and the place in the run); to resume a run begun with --init, leave --init out")
        }
        if let initialization {
            throw UsageError(
                flag: "--initialization",
                reason: "\(initialization.rawValue) has nothing to initialise: with --init the weights come from \(initialModel)")
        }
        if data.isTabular, let method = data.normalize, method != .none {
            throw UsageError(
                flag: "--normalize",
                reason: "\(method.rawValue) would scale the features a second time: the model of --init takes raw features (a saved model has its scaling folded into its first layer); leave --normalize out")
        }
        let file = try SafeTensors.read(from: initialModel)
        let network = try Network(file, source: initialModel)
        let model = network.architecture
        // Loading takes any values; training from a NaN would stop at its
        // first step as if the learning rate were to blame.
        for (index, layer) in model.layout.layers.enumerated() {
            for (name, offset, count) in [("weight", layer.weightOffset, layer.weightCount), ("bias", layer.biasOffset, layer.outputs)] {
                if let element = (0..<count).first(where: { !network.parameters[offset + $0].isFinite }) {
                    throw ModelFileError(
                        file: initialModel,
                        reason: "tensor layers.\(index).\(name) holds \(network.parameters[offset + element]) at element \(element); training needs finite weights")
                }
            }
        }
        let contradictions: [(flag: String, given: String?, model: String)] = [
            ("--layers", sizes.map { $0.map(String.init).joined(separator: ",") }, Self.layersText(model)),
            ("--activation", activation?.rawValue, model.activation.rawValue),
            ("--output", output?.rawValue, model.output.rawValue),
            ("--loss", loss?.rawValue, model.loss.rawValue),
        ]
        for (flag, given, held) in contradictions {
            if let given, given != held {
                throw UsageError(
                    flag: flag,
                    reason: "\(given) contradicts the model of --init: \(initialModel) has \(held) (leave \(flag) out to take the model's)")
            }
        }
        return (model, network, try ModelClassNames.decode(file, source: initialModel))
    }


    /// The IDX folder or the training table, for the summary and the report.
    private func dataSource(_ setup: Setup) -> String {
        setup.table?.source ?? data.dataDir ?? IDXDataDirectory.defaultPath()
    }

    /// A table's layer sizes: --layers when given, its ends matching the
    /// data, else one hidden layer between the features and the classes.
    private static func tabularLayers(_ given: [Int]?, for table: TabularData) throws(UsageError) -> [Int] {
        guard let given else { return [table.featureCount, tabularHiddenWidth, max(table.classCount, 2)] }
        if let first = given.first, first != table.featureCount {
            throw UsageError(
                flag: "--layers",
                reason: "the input size \(first) does not match the \(table.featureCount) features per sample of \(table.source) (leave --layers out to size the network from the data)")
        }
        if given.count > 1, let last = given.last, last < max(table.classCount, 2) {
            throw UsageError(
                flag: "--layers",
                reason: "the output size \(last) is too narrow for the \(table.classCount) classes of \(table.source) (leave --layers out to size the network from the data)")
        }
        return given
    }

    /// The network as `--save` writes it: a table's scaling folded into the
    /// first layer, so the file takes raw features, and its class names in
    /// the metadata (`classes`, a JSON array), so `ann evaluate` reads test
    /// labels as training did.
    private static func saveModel(_ network: Network, table: TabularData?, to path: String) throws(ModelFileError) {
        guard let table else { return try network.save(to: path) }
        var file = (table.scaling.map { network.foldingInputScaling($0) } ?? network).safeTensors
        if let names = table.classNames { file.metadata[ModelClassNames.metadataKey] = ModelClassNames.encode(names) }
        try file.write(to: path)
    }

    /// Every process says how its preparation went; if any failed, all stop
    /// with the first failure's exit status, and that process alone says why.
    private func settle(_ failure: Failure?, among group: any ProcessGroup) throws {
        let size = group.size
        var codes = [Double](repeating: 0, count: size)
        codes[group.rank] = Double(failure?.code.rawValue ?? 0)
        try codes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try group.allGather(base, counts: Array(repeating: 1, count: size), offsets: Array(0..<size))
        }
        guard let first = codes.firstIndex(where: { $0 != 0 }) else { return }
        if first == group.rank, let failure, let message = failure.message {
            printError(size > 1 ? "process \(first): \(message)" : message)
        }
        throw ExitCode(Int32(codes[first]))
    }

    private func writeReport(
        to directory: String, summary: TrainingSummary, setup: Setup
    ) throws {
        let (network, test, settings, architecture) = (summary.network, setup.test, setup.settings, setup.architecture)
        let layers = Self.layersText(architecture)
        let (activation, output, loss) = (architecture.activation, architecture.output, architecture.loss)
        var start: [(String, String)] = []
        if let initialModel { start = [("initial weights", initialModel)] }
        if let normalize = data.normalize { start.append(("normalize", normalize.rawValue)) }
        let page = TrainingReportPage(
            title: "swift-ann: \(layers) \(activation.rawValue) on \(test.count) test samples",
            epochs: summary.epochs,
            confusion: try network.evaluate(on: test, threads: settings.threads, subnormals: settings.subnormals),
            settings: [
                ("data", dataSource(setup)),
                ("layers", layers), ("activation", activation.rawValue), ("output", output.rawValue),
                ("loss", loss.rawValue), ("epochs", "\(settings.epochs)"), ("batch size", "\(settings.batchSize)"),
                ("learning rate", "\(settings.learningRate) (\(settings.schedule.rawValue))"),
                ("momentum", "\(settings.momentum)"), ("L1", "\(settings.l1)"), ("L2", "\(settings.l2)"),
                ("seed", "\(settings.seed)"), ("subnormals", settings.subnormals.rawValue),
                ("precision", settings.precision.rawValue),
            ] + start + [
                ("stopped", summary.stopReason.description),
            ],
            timing: [
                ("data loading", String(format: "%.2f s", setup.loadSeconds)),
                ("training", String(format: "%.2f s", summary.trainingSeconds)),
                ("threads", summary.plan.description),
            ],
            // A table's rows have no picture: their mistakes are captions.
            mistakes: network.mostConfidentMistakes(on: test, limit: 24, subnormals: settings.subnormals),
            imageShape: setup.imageShape)
        do {
            try page.write(toDirectory: directory)
        } catch {
            printError(error.description)
            throw ExitStatus.cannotWrite
        }
    }

    /// A fresh trainer (from `initial`, the weights of --init, if given), or
    /// with --resume the one the newest valid checkpoint of this run
    /// describes (its shape, settings and data: ``RunIdentity``).
    private func makeTrainer(
        architecture: NetworkArchitecture, initial: Network?, settings: TrainingConfiguration, training: Dataset,
        store: CheckpointStore?, group: (any ProcessGroup)?, reporter: ProgressReporter?
    ) throws -> Trainer {
        guard resume else {
            let network = initial ?? Network(architecture: architecture, seed: seed, initialization: initialization)
            if let group { return try Trainer(network: network, configuration: settings, group: group) }
            return try Trainer(network: network, configuration: settings)
        }
        guard let store else { throw UsageError(flag: "--resume", reason: "needs --checkpoint-dir DIR") }
        let run = RunIdentity(
            architecture: architecture, configuration: settings,
            training: training, processes: group?.size ?? 1)
        var (found, skipped) = store.newestValid(of: run)
        // None of this run: another run's newest says what differs.
        if found == nil, skipped.isEmpty { (found, skipped) = store.newestValid() }
        for fault in skipped { reporter?.warn("skipping damaged checkpoint \(fault)") }
        guard let checkpoint = found else {
            if !skipped.isEmpty {
                throw ModelFileError(
                    file: store.directory, reason: "none of its \(skipped.count) checkpoints loads cleanly; nothing to resume")
            }
            throw UsageError(flag: "--resume", reason: "no valid checkpoint in \(store.directory)")
        }
        guard checkpoint.architecture == architecture else {
            throw UsageError(
                flag: "--resume",
                reason: "the checkpoint holds a \(Self.describe(checkpoint.architecture)) network; the flags ask for \(Self.describe(architecture))")
        }
        let trainer = try Trainer(resuming: checkpoint, configuration: settings, group: group)
        if let saved = checkpoint.run, saved.data != run.data {
            throw UsageError(
                flag: "--resume",
                reason: "the checkpoints in \(store.directory) belong to a run on other training data; give this run a folder of its own")
        }
        reporter?.announce("resuming from epoch \(checkpoint.epochsCompleted + 1), step \(checkpoint.stepInEpoch) of \(store.directory)")
        return trainer
    }

    /// `784,256,128,10 relu softmax cross-entropy`.
    private static func describe(_ architecture: NetworkArchitecture) -> String {
        "\(layersText(architecture)) \(architecture.activation.rawValue) \(architecture.output.rawValue) \(architecture.loss.rawValue)"
    }

    /// `784,256,128,10`, as --layers takes it.
    static func layersText(_ architecture: NetworkArchitecture) -> String {
        architecture.layerSizes.map(String.init).joined(separator: ",")
    }

    private static func parseLayers(_ layers: String) throws(UsageError) -> [Int] {
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

    /// `processesHere`: the processes sharing this machine's cores.
    private func trainingConfiguration(processesHere: Int = 1) throws(ConfigurationError) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.learningRate = learningRate
        settings.schedule = schedule
        settings.momentum = momentum
        settings.l1 = l1
        settings.l2 = l2
        settings.threads = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, processesHere))
        settings.shards = shards
        settings.subnormals = subnormals
        settings.precision = precision
        settings.seed = seed
        settings.validationSize = validationSize
        settings.targetAccuracy = targetAccuracy
        settings.patience = patience
        try settings.validate()
        return settings
    }
}
