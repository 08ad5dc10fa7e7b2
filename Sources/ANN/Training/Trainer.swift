import CANNKernels
import Dispatch
import Foundation

/// Trains a network by minibatch SGD with momentum, spreading each minibatch
/// over cores as its `plan` says. All buffers are allocated when the trainer
/// is made; a training step allocates nothing.
///
/// Same network, same configuration (seed and shard count included): the
/// same weights, bit for bit, on any number of threads, also across an
/// interruption and a resume from a checkpoint. Different shard counts split
/// minibatches differently, so their float sums round differently.
///
/// Not `Sendable`: one thread at a time uses a trainer. Its `train` blocks
/// the calling thread for the whole run; from async code, hand the trainer
/// to a ``TrainingSession``, which trains on a thread of its own
/// (<doc:TrainingFromAnAppOrServer>).
public final class Trainer {
    /// The settings this trainer runs with.
    public let configuration: TrainingConfiguration
    /// How each step is spread over cores.
    public let plan: ShardPlan
    /// The shape of the network being trained.
    public let architecture: NetworkArchitecture

    private let optimizer: Optimizer
    /// The best weights so far, for early stopping (`patience`).
    private let best: FloatBuffer?
    /// One per shard this process runs, and one per evaluation worker.
    private let workspaces: [ShardWorkspace]
    private let step: TrainingStep
    private let evaluationStep: TrainingStep
    private let reduction: GradientReduction
    private let denseTargets: Bool
    /// The weights' bfloat16 copies, in a mixed-precision run.
    private let weights16: BFloat16Weights?
    /// The processes training with this one, if any.
    private let group: (any ProcessGroup)?

    private var shuffler: SeededGenerator
    /// The run's identity, known once it has seen its training data (or from
    /// the checkpoint it resumes).
    private var run: RunIdentity?
    /// Where the run stands; a checkpoint saves exactly this.
    private var position: RunPosition

    /// Prepares to train `network` (its weights are copied).
    public convenience init(network: Network, configuration: TrainingConfiguration) throws(ConfigurationError) {
        try self.init(network: network, configuration: configuration, group: nil, cores: ShardPlan.availableCores)
    }

    /// Prepares to train `network` together with the other processes of
    /// `group`, each running its share of the shards (at least one each);
    /// every process must make its trainer from the same network and
    /// configuration (the thread counts may differ) and train on the same
    /// data. They all end every step with the same weights, those one process
    /// running every shard would have.
    public convenience init(
        network: Network, configuration: TrainingConfiguration, group: any ProcessGroup
    ) throws(ConfigurationError) {
        try self.init(network: network, configuration: configuration, group: group, cores: ShardPlan.availableCores)
    }

    /// `cores`: as many as the plan may use, which tests raise above the
    /// machine's to run plans a larger machine would.
    init(
        network: Network, configuration: TrainingConfiguration, group: (any ProcessGroup)? = nil, cores: Int
    ) throws(ConfigurationError) {
        try configuration.validate()
        let processes = group?.size ?? 1
        let shards = configuration.resolvedShards(processes: processes)
        if processes > configuration.batchSize {
            throw ConfigurationError(
                parameter: "batchSize",
                reason: "a minibatch of \(configuration.batchSize) cannot be shared by \(processes) processes")
        }
        if shards < processes {
            throw ConfigurationError(
                parameter: "shards", reason: "\(processes) processes need at least \(processes) shards, one each (got \(shards))")
        }
        try Self.checkMemory(network.architecture, configuration: configuration, shards: shards, processes: processes)
        self.configuration = configuration
        self.group = group
        let architecture = network.architecture
        self.architecture = architecture
        plan = ShardPlan(
            threads: configuration.threads, batchSize: configuration.batchSize, shards: shards,
            processes: processes, rank: group?.rank ?? 0, cores: cores)
        let layout = architecture.layout
        optimizer = Optimizer(
            parameters: network.parameters, layout: layout, momentum: configuration.momentum,
            l1: configuration.l1, l2: configuration.l2)
        best = configuration.patience != nil ? FloatBuffer(count: layout.count) : nil
        let reduction = GradientReduction(
            parameterCount: layout.count, ownership: ShardOwnership(shards: plan.shards, processes: processes),
            workers: plan.workers)
        self.reduction = reduction
        // Evaluation spreads over every requested thread even when a small
        // minibatch trains on one shard, so there is a workspace per thread.
        let capacity = max(plan.shardCapacity, 256), plan = plan
        workspaces = (0..<max(plan.localShards.count, plan.usableThreads)).map { index in
            index < plan.localShards.count
                ? ShardWorkspace(
                    architecture: architecture, capacity: capacity,
                    gradient: reduction.block(plan.localShards.lowerBound + index), precision: configuration.precision)
                : ShardWorkspace(architecture: architecture, capacity: capacity)
        }
        let bf16 = configuration.precision == .bf16
        step = TrainingStep(
            architecture: architecture, layout: layout, kernelThreads: plan.kernelThreads,
            bfloat16Path: bf16 ? ann_bf16_path() : nil)
        weights16 = bf16 ? BFloat16Weights(layout: layout, path: ann_bf16_path()) : nil
        evaluationStep = TrainingStep(architecture: architecture, layout: layout, kernelThreads: 1)
        denseTargets = architecture.loss == .meanSquaredError
        shuffler = SeededGenerator(seed: configuration.seed ^ 0x5EED_0F_5A3B_1E5)
        position = RunPosition(epochStartShuffler: shuffler)
    }

    /// Refuses a run whose buffers would not fit in this machine's memory,
    /// before any is allocated: the parameters, velocity and gradient blocks,
    /// and each shard's activations and gradients for its samples.
    private static func checkMemory(
        _ architecture: NetworkArchitecture, configuration: TrainingConfiguration, shards: Int, processes: Int
    ) throws(ConfigurationError) {
        let parameters = Double(architecture.layout.count)
        let rows = Double(max((configuration.batchSize + shards - 1) / shards, 256))
        let perShard = rows * Double(architecture.layerSizes.reduce(0, +) + 4 * architecture.widestLayer)
        let localShards = Double((shards + processes - 1) / processes)
        let threads = Double(max(configuration.threads, 1))
        let floats = parameters * (3 + Double(shards)) + perShard * (localShards + threads)
        let bytes = 4 * floats, available = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes <= available else {
            let gib = { (value: Double) in String(format: "%.1f GiB", value / Double(1 << 30)) }
            throw ConfigurationError(
                parameter: "layerSizes",
                reason: "training this network needs about \(gib(bytes)) of memory (with `batchSize` \(configuration.batchSize)); this machine has \(gib(available))")
        }
    }

    /// Continues the run a checkpoint saved. `configuration` must match the
    /// checkpoint's settings, but for the thread count, which changes no bit.
    public convenience init(resuming checkpoint: TrainingCheckpoint, configuration: TrainingConfiguration) throws(ConfigurationError) {
        try self.init(resuming: checkpoint, configuration: configuration, group: nil)
    }

    /// Continues the run a checkpoint saved, together with the other
    /// processes of `group` (see ``init(network:configuration:group:)``).
    /// The checkpoint may come from a group of another size, or from one
    /// process: its shard count decides the arithmetic, not the processes.
    public convenience init(
        resuming checkpoint: TrainingCheckpoint, configuration: TrainingConfiguration, group: (any ProcessGroup)?
    ) throws(ConfigurationError) {
        let differences = Self.differences(checkpoint.configuration, configuration, processes: group?.size ?? 1)
        guard differences.isEmpty else {
            throw ConfigurationError(
                parameter: "configuration",
                reason: "the checkpoint was made with other settings (\(differences)); resume with the original settings")
        }
        let network = try Network(architecture: checkpoint.architecture, parameters: checkpoint.parameters)
        try self.init(network: network, configuration: configuration, group: group, cores: ShardPlan.availableCores)
        optimizer.restore(velocity: checkpoint.velocity)
        if let saved = checkpoint.bestParameters, let best { best.fill(with: saved) }
        position = checkpoint.position
        shuffler = position.epochStartShuffler
        run = checkpoint.run
    }

    /// The network with the current weights.
    public var network: Network {
        Network(architecture: architecture, ownParameters: optimizer.parameterValues)
    }

    /// The run's state now, to save and resume from.
    public var checkpoint: TrainingCheckpoint {
        // The shard count the run used, whatever default chose it.
        var settings = configuration
        settings.shards = plan.shards
        return TrainingCheckpoint(
            architecture: architecture, configuration: settings, parameters: optimizer.parameterValues,
            velocity: optimizer.velocityValues, bestParameters: best?.array, position: position, run: run)
    }

    /// Checks that a data set fits the network: as many features as inputs,
    /// no label beyond the outputs; for target values, rows as wide as the
    /// output, a loss that takes them (mean squared error), and, with a
    /// softmax output, targets it can reach (each row a distribution).
    /// ``train(on:test:checkpoints:progress:stopRequested:)-(Dataset,_,_,_,_)``
    /// runs these checks itself before the first step; call this to find out
    /// sooner, when the data is loaded.
    public func checkCompatible(_ data: Dataset, role: String) throws(ConfigurationError) {
        if data.featureCount != architecture.inputSize {
            throw ConfigurationError(
                parameter: "layerSizes",
                reason: "the input size \(architecture.inputSize) does not match the \(data.featureCount) features per sample of the \(role) data")
        }
        switch data.targets {
        case .classes:
            if data.classCount > architecture.outputSize {
                throw ConfigurationError(
                    parameter: "layerSizes",
                    reason: "the output size \(architecture.outputSize) is smaller than the \(data.classCount) classes of the \(role) data (labels up to \(data.classCount - 1): a wider output, or a damaged label file?)")
            }
        case .values(let values, let width):
            if width != architecture.outputSize {
                throw ConfigurationError(
                    parameter: "layerSizes", reason: "the output size \(architecture.outputSize) does not match the \(width) target values per sample of the \(role) data")
            }
            if architecture.loss == .crossEntropy {
                throw ConfigurationError(
                    parameter: "loss",
                    reason: "cross-entropy needs class labels, and the \(role) data has target values: for regression make `loss` mean squared error and `output` linear")
            }
            if architecture.output == .softmax, let sample = Self.firstRowOffSimplex(values, width: width) {
                throw ConfigurationError(
                    parameter: "output",
                    reason: "a softmax output is a distribution (values in [0, 1] summing to 1), and sample \(sample) of the \(role) data has targets that are not: for regression make `output` linear")
            }
        }
    }

    /// The first row of `values` (`width` a row) that no softmax can output:
    /// a value outside [0, 1], or a sum off 1 by more than rounding.
    private static func firstRowOffSimplex(_ values: [Float], width: Int) -> Int? {
        for row in 0..<(values.count / width) {
            var sum: Float = 0
            for value in values[(row * width)..<((row + 1) * width)] {
                guard value >= 0 && value <= 1 else { return row }
                sum += value
            }
            if abs(sum - 1) > 1e-3 { return row }
        }
        return nil
    }

    /// Refuses stopping criteria that could never hold on this data, rather
    /// than running every epoch: an accuracy target or patience on regression
    /// targets, which have no accuracy, or a target with no accuracy to watch.
    private func checkStoppingCriteria(training: Dataset, test: Dataset?) throws(ConfigurationError) {
        if !training.isClassification {
            if configuration.targetAccuracy != nil {
                throw ConfigurationError(
                    parameter: "targetAccuracy",
                    reason: "the training data has target values, not class labels, so there is no accuracy to reach; leave it nil for regression")
            }
            if configuration.patience != nil {
                throw ConfigurationError(
                    parameter: "patience",
                    reason: "watches the validation accuracy, and the training data has target values, not class labels; leave it nil for regression")
            }
        }
        if configuration.targetAccuracy != nil && configuration.validationSize == 0 && !(test?.isClassification ?? false) {
            throw ConfigurationError(
                parameter: "targetAccuracy",
                reason: "has no accuracy to watch: set `validationSize` to hold out samples, or pass test data with class labels")
        }
    }

    /// IDX data (bytes scaled by `configuration.inputScale`); see ``train(on:test:checkpoints:progress:stopRequested:)-(Dataset,_,_,_,_)``.
    public func checkCompatible(_ data: LabeledDataset, role: String) throws(ConfigurationError) {
        try checkCompatible(Dataset(data, inputScale: configuration.inputScale), role: role)
    }

    /// Trains on IDX data, its bytes scaled by `configuration.inputScale`.
    public func train(
        on training: LabeledDataset, test: LabeledDataset? = nil, checkpoints: CheckpointStore? = nil,
        progress: (TrainingEvent) -> Void = { _ in }, stopRequested: () -> Bool = { false }
    ) throws(TrainingError) -> TrainingSummary {
        try train(
            on: Dataset(training, inputScale: configuration.inputScale),
            test: test.map { Dataset($0, inputScale: configuration.inputScale) },
            checkpoints: checkpoints, progress: progress, stopRequested: stopRequested)
    }

    /// Runs the remaining epochs (or until a stopping criterion holds) on
    /// `training`, evaluating on `test` after each epoch when given, on the
    /// calling thread: it returns when the run ends, minutes later for a large
    /// one. For command-line programs; an app or a server trains with a
    /// ``TrainingSession``, which runs on a thread of its own and stops when
    /// its task is cancelled (<doc:TrainingFromAnAppOrServer>).
    ///
    /// `progress` hears from every minibatch and every epoch, and
    /// `stopRequested` is asked before every minibatch, always on the calling
    /// thread. With shards, the minibatches of an epoch run inside one
    /// `concurrentPerform` call whose workers wait while those two run
    /// (spinning for 2 ms, then napping): they must not wait for other work on
    /// Dispatch's global queues.
    /// Between minibatches, `stopRequested()` returning true ends the run
    /// early (``StopReason/interrupted(epoch:step:)``), and so does the
    /// cancellation of the Task whose thread this is (``StopReason/cancelled``);
    /// the trainer then stands where it stopped, and with
    /// `checkpoints` a checkpoint of that point is written, so a later run can
    /// resume it exactly. With `checkpoints`, one is also written after every
    /// epoch. A non-finite loss throws ``TrainingError/diverged(epoch:step:learningRate:)``
    /// before anything is written. Settings that do not fit the data throw
    /// ``TrainingError/configuration(_:)`` before the first step.
    public func train(
        on training: Dataset, test: Dataset? = nil, checkpoints: CheckpointStore? = nil,
        progress: (TrainingEvent) -> Void = { _ in }, stopRequested: () -> Bool = { false }
    ) throws(TrainingError) -> TrainingSummary {
        try train(
            on: training, test: test, checkpoints: checkpoints, progress: progress, stopRequested: stopRequested,
            stopIsCancellation: false)
    }

    /// ``train(on:test:checkpoints:progress:stopRequested:)-(Dataset,_,_,_,_)``;
    /// `stopIsCancellation`: a stop this process asked for is reported as
    /// ``StopReason/cancelled`` (a ``TrainingSession``'s stop flag).
    func train(
        on training: Dataset, test: Dataset?, checkpoints: CheckpointStore?,
        progress: (TrainingEvent) -> Void, stopRequested: () -> Bool, stopIsCancellation: Bool
    ) throws(TrainingError) -> TrainingSummary {
        // Kernels run in the engine's mode; the callbacks in the caller's.
        let mode = FloatingPointMode.enter(configuration.subnormals)
        defer { mode.leave() }
        func notify(_ event: TrainingEvent) { mode.outside { progress(event) } }
        func shouldStop() -> Bool { mode.outside { stopRequested() } }
        do {
            try checkCompatible(training, role: "training")
            if let test { try checkCompatible(test, role: "test") }
            try checkStoppingCriteria(training: training, test: test)
        } catch {
            throw .configuration(error)
        }
        let validation = configuration.validationSize
        let trainCount = training.count - validation
        guard trainCount > 0 else {
            throw .configuration(ConfigurationError(
                parameter: "validationSize",
                reason: "holds out \(validation) of the \(training.count) training samples, leaving none to train on"))
        }

        if position.stepInEpoch > stepsPerEpochOf(trainCount) {
            throw .configuration(ConfigurationError(
                parameter: "checkpoint",
                reason: "it stands at step \(position.stepInEpoch) of an epoch, and an epoch of this data has \(stepsPerEpochOf(trainCount)) steps"))
        }
        if let group { try agree(over: group, trainCount: trainCount, featureCount: training.featureCount) }
        let identity = RunIdentity(
            architecture: architecture, configuration: configuration, training: training, processes: plan.processes)
        if let run, run.data != identity.data {
            throw .configuration(ConfigurationError(
                parameter: "checkpoint",
                reason: "it belongs to a run on other training data (data fingerprint \(run.data), this data's \(identity.data))"))
        }
        run = identity
        let lock: ExclusiveLock?
        do {
            lock = try checkpoints?.lock()
        } catch {
            throw .checkpoint(error)
        }
        defer { withExtendedLifetime(lock) {} }

        let order = Int32Buffer(count: trainCount)
        var stopReason = StopReason.completedEpochs
        var written: [String] = []
        let stepsPerEpoch = (trainCount + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = stepsPerEpoch * configuration.epochs
        let stepTimer = StepTimer(capacity: stepsPerEpoch)
        func saveCheckpoint() throws(TrainingError) {
            guard let checkpoints else { return }
            do {
                written.append(try checkpoints.save(checkpoint))
            } catch {
                throw .checkpoint(error)
            }
        }

        epochs: while position.epochsCompleted < configuration.epochs {
            let epoch = position.epochsCompleted + 1
            // Each epoch shuffles the identity afresh, so a resumed run needs
            // only the generator's state to rebuild the same order.
            shuffler = position.epochStartShuffler
            for i in 0..<trainCount { order.pointer[i] = Int32(i) }
            shuffle(order.pointer, count: trainCount)
            let steps = EpochSteps(
                batchSize: configuration.batchSize, trainCount: trainCount,
                stepsBefore: position.epochsCompleted * stepsPerEpoch, totalSteps: totalSteps,
                learningRate: configuration.learningRate, schedule: configuration.schedule)
            let clock = ContinuousClock()
            let run = EpochRun(
                epoch: epoch, epochs: configuration.epochs, clock: clock, start: clock.now,
                secondsBefore: position.epochSeconds, stepTimer: stepTimer)
            let interruption = plan.shards == 1 && group == nil
                ? try runSteps(steps, run: run, progress: notify, stopRequested: shouldStop, stopIsCancellation: stopIsCancellation) {
                    step, _ in trainStep(data: training, order: order.pointer, steps: steps, step: step)
                }
                : try runShardSteps(
                    steps, data: training, order: order.pointer, run: run, progress: notify, stopRequested: shouldStop,
                    stopIsCancellation: stopIsCancellation)
            let (stepTimes, exchangeSeconds) = stepTimer.finishEpoch()
            if let interruption {
                position.epochSeconds = run.elapsed()
                stopReason = interruption
                try saveCheckpoint()
                break epochs
            }
            let learningRate = steps.learningRate(steps.count - 1)
            let elapsed = run.elapsed()

            let validationAccuracy = validation > 0 && training.isClassification
                ? evaluate(training, samples: trainCount..<training.count).accuracy : nil
            let testAccuracy = test.flatMap { $0.isClassification ? evaluate($0).accuracy : nil }
            let report = EpochReport(
                epoch: epoch, loss: position.epochLossSum / Double(trainCount),
                trainAccuracy: training.isClassification ? Double(position.epochCorrect) / Double(trainCount) : nil,
                validationAccuracy: validationAccuracy, testAccuracy: testAccuracy,
                testLoss: test.map { meanLoss($0) },
                seconds: elapsed, samplesPerSecond: Double(trainCount) / max(elapsed, 1e-9), learningRate: learningRate,
                stepTimes: stepTimes, exchangeSeconds: group == nil ? nil : exchangeSeconds)
            position.history.append(report)
            position.epochsCompleted += 1
            position.stepInEpoch = 0
            position.epochLossSum = 0
            position.epochCorrect = 0
            position.epochSeconds = 0
            position.epochStartShuffler = shuffler
            notify(.epoch(report))

            var stop: StopReason?
            if let target = configuration.targetAccuracy, let watched = validationAccuracy ?? testAccuracy, watched >= target {
                stop = .reachedTargetAccuracy(watched)
            }
            if stop == nil, let patience = configuration.patience, let best, let watched = validationAccuracy {
                if watched > position.bestAccuracy {
                    position.bestAccuracy = watched
                    position.epochsSinceBest = 0
                    optimizer.save(to: best)
                } else {
                    position.epochsSinceBest += 1
                    if position.epochsSinceBest >= patience {
                        optimizer.load(from: best)
                        stop = .noImprovement(epochs: patience)
                    }
                }
            }
            try saveCheckpoint()
            if let stop {
                stopReason = stop
                break
            }
        }
        return TrainingSummary(
            network: network, epochs: position.history, stopReason: stopReason,
            trainingSeconds: position.history.reduce(0) { $0 + $1.seconds } + position.epochSeconds, plan: plan, checkpoints: written)
    }

    /// Checks, before the first step, that every process of `group` trains
    /// the same network on the same data from the same point: otherwise they
    /// would take different steps, or wait for each other for ever.
    private func agree(over group: any ProcessGroup, trainCount: Int, featureCount: Int) throws(TrainingError) {
        var fingerprint: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in optimizer.parameterValues { fingerprint = (fingerprint ^ UInt64(value.bitPattern)) &* 0x100_0000_01B3 }
        let fields: [(name: String, value: Double)] = [
            ("training samples", Double(trainCount)), ("features per sample", Double(featureCount)),
            ("epochs completed", Double(position.epochsCompleted)), ("step in the epoch", Double(position.stepInEpoch)),
            ("batch size", Double(configuration.batchSize)), ("shards", Double(plan.shards)),
            ("seed (low 32 bits)", Double(configuration.seed & 0xFFFF_FFFF)),
            ("weights (a 48-bit hash)", Double(fingerprint >> 16)),
        ]
        let count = fields.count, size = group.size
        var all = [Double](repeating: 0, count: count * size)
        for (i, field) in fields.enumerated() { all[group.rank * count + i] = field.value }
        do throws(ProcessGroupError) {
            try all.withUnsafeMutableBufferPointer { buffer throws(ProcessGroupError) in
                guard let base = buffer.baseAddress else { return }
                try group.allGather(base, counts: Array(repeating: count, count: size), offsets: (0..<size).map { $0 * count })
            }
        } catch {
            throw .processGroup(error)
        }
        for rank in 1..<max(size, 1) {
            for (i, field) in fields.enumerated() where all[rank * count + i] != all[i] {
                throw .processGroup(ProcessGroupError(
                    reason: "process \(rank) does not train what process 0 does: its \(field.name) is \(Self.number(all[rank * count + i])), process 0's \(Self.number(all[i]))"))
            }
        }
    }

    private static func number(_ value: Double) -> String { String(Int64(value)) }

    private func stepsPerEpochOf(_ trainCount: Int) -> Int { (trainCount + configuration.batchSize - 1) / configuration.batchSize }

    /// Confusion counts of the current network on classification data, or on
    /// the `samples` of it (clamped to the set).
    public func evaluate(_ data: Dataset, samples: Range<Int>? = nil) -> ConfusionMatrix {
        let classes = architecture.outputSize
        // Samples outside the set are not there to count: clamp, never read past it.
        let range = (samples ?? 0..<data.count).clamped(to: 0..<data.count)
        guard !range.isEmpty else { return ConfusionMatrix(classCount: classes) }
        runEvaluation(data, samples: range)
        var counts = [Int](repeating: 0, count: classes * classes)
        for workspace in workspaces {
            for i in 0..<counts.count { counts[i] += workspace.confusion[i] }
        }
        return ConfusionMatrix(classCount: classes, counts: counts)
    }

    /// IDX data, its bytes scaled by `configuration.inputScale`.
    public func evaluate(_ data: LabeledDataset, samples: Range<Int>? = nil) -> ConfusionMatrix {
        evaluate(Dataset(data, inputScale: configuration.inputScale), samples: samples)
    }

    /// Mean loss per sample of the current network on `data`: cross-entropy
    /// or ½·Σ(output − target)², as the architecture trains with.
    public func meanLoss(_ data: Dataset) -> Double {
        guard data.count > 0 else { return 0 }
        runEvaluation(data, samples: 0..<data.count)
        return workspaces.reduce(0) { $0 + $1.lossSum } / Double(data.count)
    }

    private func runEvaluation(_ data: Dataset, samples: Range<Int>) {
        let subnormals = configuration.subnormals
        data.withSampleSource { source in
            let pass = ShardAccess(EvaluationPass(
                workspaces: workspaces, source: source, range: samples, parameters: optimizer.parameters,
                step: evaluationStep, denseTargets: denseTargets))
            DispatchQueue.concurrentPerform(iterations: workspaces.count) { worker in
                FloatingPointMode.run(subnormals) { pass.value.run(worker: worker) }
            }
        }
    }

    /// What a step reports: its loss summed over its rows, its correct
    /// predictions, and whether the run stops after it.
    struct StepOutcome {
        let loss: Double
        let correct: Int
        let stop: Bool
    }

    /// The epoch's minibatches from `position.stepInEpoch` on, each run by
    /// `runStep` (its index in the epoch and whether this process asks to
    /// stop), with the bookkeeping, progress and stop checks between them.
    /// Returns why it stopped early, or nil once the epoch is done.
    private func runSteps(
        _ steps: EpochSteps, run: EpochRun, progress: (TrainingEvent) -> Void, stopRequested: () -> Bool,
        stopIsCancellation: Bool, runStep: (_ step: Int, _ stop: Bool) throws(TrainingError) -> StepOutcome
    ) throws(TrainingError) -> StopReason? {
        while position.stepInEpoch < steps.count {
            let taskCancelled = Task.isCancelled, requested = !taskCancelled && stopRequested()
            let cancelled = taskCancelled || requested && stopIsCancellation, wantsStop = taskCancelled || requested
            // Alone, a stop ends the run before the next minibatch; in a group
            // the processes agree on it in the step's exchange, and all stop
            // after that step.
            if wantsStop && group == nil {
                return cancelled ? .cancelled : .interrupted(epoch: run.epoch, step: position.stepInEpoch)
            }
            let step = position.stepInEpoch
            let began = run.clock.now
            let outcome = try runStep(step, wantsStop)
            run.stepTimer.record(run.clock.now - began)
            guard outcome.loss.isFinite else {
                throw .diverged(epoch: run.epoch, step: step + 1, learningRate: configuration.learningRate)
            }
            position.epochLossSum += outcome.loss
            position.epochCorrect += outcome.correct
            position.stepInEpoch += 1
            let done = steps.first(step) + steps.rows(step)
            progress(.batch(BatchProgress(
                epoch: run.epoch, epochs: run.epochs, samplesDone: done, samplesPerEpoch: steps.trainCount,
                loss: position.epochLossSum / Double(done), seconds: run.elapsed())))
            if outcome.stop { return cancelled ? .cancelled : .interrupted(epoch: run.epoch, step: position.stepInEpoch) }
        }
        return nil
    }

    /// ``runSteps(_:run:progress:stopRequested:stopIsCancellation:runStep:)`` with each
    /// minibatch split into shards, all of the epoch's steps in one
    /// `concurrentPerform` call whose workers stay together (``ShardTeam``).
    /// The steps, callbacks and exchanges with the group included, are driven
    /// from the iteration on this thread.
    private func runShardSteps(
        _ steps: EpochSteps, data: Dataset, order: UnsafePointer<Int32>, run: EpochRun,
        progress: (TrainingEvent) -> Void, stopRequested: () -> Bool, stopIsCancellation: Bool
    ) throws(TrainingError) -> StopReason? {
        var outcome: Result<StopReason?, TrainingError> = .success(nil)
        let group = group, reduction = reduction
        data.withSampleSource { source in
            let work = ShardedStep(
                steps: steps, plan: plan, workspaces: workspaces, source: source, order: order,
                step: step, reduction: reduction, optimizer: optimizer, weights16: weights16, denseTargets: denseTargets,
                subnormals: configuration.subnormals)
            let team = ShardTeam(members: plan.workers, exchanges: group != nil)
            func coordinate() -> Result<StopReason?, TrainingError> {
                Result { () throws(TrainingError) -> StopReason? in
                    try runSteps(
                        steps, run: run, progress: progress, stopRequested: stopRequested,
                        stopIsCancellation: stopIsCancellation
                    ) {
                        (step, wantsStop) throws(TrainingError) -> StepOutcome in
                        var failure: ProcessGroupError?
                        weights16?.refresh(from: optimizer.parameters, threads: 1)
                        team.run(
                            step: step, parts: work.parts(step),
                            runShard: { work.runShard(step: step, shard: $0) },
                            exchange: {
                                guard let group else { return }
                                let began = run.clock.now
                                do throws(ProcessGroupError) {
                                    try reduction.exchange(over: group, stopRequested: wantsStop)
                                } catch {
                                    failure = error
                                }
                                run.stepTimer.recordExchange(run.clock.now - began)
                            },
                            runRange: { work.runRange(step: step, range: $0) })
                        if let failure { throw .processGroup(failure) }
                        let result = reduction.outcome(shards: work.shards(step))
                        return StepOutcome(loss: result.loss, correct: result.correct, stop: result.stop)
                    }
                }
            }
            withoutActuallyEscaping(coordinate) { coordinate in
                let shared = ShardAccess((work: work, team: team, coordinate: coordinate, outcome: EpochOutcome()))
                DispatchQueue.concurrentPerform(iterations: team.members) { _ in
                    let (work, team, coordinate, outcome) = shared.value
                    let mode = FloatingPointMode.enter(work.subnormals)
                    defer { mode.leave() }
                    if team.join() {
                        outcome.value = coordinate()
                        team.close()
                    } else {
                        team.serve(partsOf: work.parts, runShard: work.runShard, runRange: work.runRange)
                    }
                }
                if let result = shared.value.outcome.value { outcome = result }
            }
            // No iteration ran on this thread: run the steps here, alone.
            if !team.wasCoordinated { outcome = coordinate() }
        }
        return try outcome.get()
    }

    /// One minibatch on one shard in one process, OpenMP inside the
    /// kernels: load, the step's passes, the update.
    private func trainStep(data: Dataset, order: UnsafePointer<Int32>, steps: EpochSteps, step index: Int) -> StepOutcome {
        let rows = steps.rows(index), workspace = workspaces[0]
        weights16?.refresh(from: optimizer.parameters, threads: plan.kernelThreads)
        data.withSampleSource { source in
            source.load(
                into: workspace, indices: order + steps.first(index), first: 0, rows: rows,
                denseTargets: denseTargets, threads: plan.kernelThreads)
            step.run(
                workspace, rows: rows, parameters: optimizer.parameters, gradientScale: 1 / Float(rows),
                weights16: weights16)
        }
        optimizer.step(gradient: workspace.gradient, learningRate: steps.learningRate(index), threads: plan.kernelThreads)
        return StepOutcome(loss: workspace.lossSum, correct: workspace.correct, stop: false)
    }

    /// Fisher–Yates with the trainer's own generator, so the order depends on the seed alone.
    private func shuffle(_ values: UnsafeMutablePointer<Int32>, count: Int) {
        Self.shuffle(values, count: count, using: &shuffler)
    }

    static func shuffle(_ values: UnsafeMutablePointer<Int32>, count: Int, using generator: inout SeededGenerator) {
        var order = UnsafeMutableBufferPointer(start: values, count: count)
        generator.shuffle(&order)
    }

    /// Names the settings that differ, one by one, but the thread count.
    static func differences(_ saved: TrainingConfiguration, _ given: TrainingConfiguration, processes: Int) -> String {
        func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "none" }
        let pairs: [(String, String, String)] = [
            ("epochs", text(saved.epochs), text(given.epochs)), ("batchSize", text(saved.batchSize), text(given.batchSize)),
            ("learningRate", text(saved.learningRate), text(given.learningRate)),
            ("schedule", saved.schedule.rawValue, given.schedule.rawValue),
            ("momentum", text(saved.momentum), text(given.momentum)), ("l1", text(saved.l1), text(given.l1)),
            ("l2", text(saved.l2), text(given.l2)), ("shards", text(saved.resolvedShards(processes: processes)), text(given.resolvedShards(processes: processes))),
            ("seed", text(saved.seed), text(given.seed)),
            ("validationSize", text(saved.validationSize), text(given.validationSize)),
            ("targetAccuracy", text(saved.targetAccuracy), text(given.targetAccuracy)),
            ("patience", text(saved.patience), text(given.patience)),
            ("subnormals", saved.subnormals.rawValue, given.subnormals.rawValue),
            ("precision", saved.precision.rawValue, given.precision.rawValue),
            ("inputScale", text(saved.inputScale), text(given.inputScale)),
        ]
        return pairs.filter { $0.1 != $0.2 }.map { "`\($0.0)` was \($0.1), now \($0.2)" }.joined(separator: ", ")
    }
}
