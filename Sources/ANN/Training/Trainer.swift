import CANNKernels
import Dispatch
import Foundation

/// Trains a network by minibatch SGD with momentum, spreading each minibatch
/// over cores as its `plan` says. All buffers are allocated when the trainer
/// is made; a training step allocates nothing.
///
/// Same network, same configuration (seed included), same thread count: the
/// same weights, bit for bit, also across an interruption and a resume from a
/// checkpoint. Different shard counts split minibatches differently, so their
/// float sums round differently; with `fanOut: .openmp` the thread count does
/// not change the result at all.
public final class Trainer {
    /// The settings this trainer runs with.
    public let configuration: TrainingConfiguration
    /// How each step is spread over cores.
    public let plan: ShardPlan
    /// The shape of the network being trained.
    public let architecture: NetworkArchitecture

    private let parameters: FloatBuffer
    private let velocity: FloatBuffer
    private let best: FloatBuffer?
    private let workspaces: [ShardWorkspace]
    private let chunks: [UpdateChunk]
    /// Weight and bias stretches of the parameter block, computed once.
    private let segments: [(offset: Int, count: Int, isWeight: Bool)]
    /// Per segment: whether the backward pass steps it (`WeightStep`), its
    /// gradient folded straight into the velocity. Only with one shard (there
    /// is nothing to reduce first), no L1/L2 penalty (which needs the weights
    /// alongside the gradient), and batches the kernel folds without giving up
    /// its cache slicing; the bits are the same either way.
    private let foldedSegments: [Bool]
    private let foldsGradients: Bool
    /// The folded weight segments whose step waits for the next forward pass
    /// (``WeightStep/defersStep(layer:)``).
    private let deferredSegments: [(offset: Int, count: Int)]
    /// The learning rate of the step those segments still owe; nil when the
    /// weights are up to date. Settled before anything outside a step reads
    /// the weights (``settleWeights()``).
    private var pendingLearningRate: Float?
    private let sourceTable: UnsafeMutablePointer<UnsafePointer<Float>?>

    private var shuffler: SeededGenerator
    /// Where the run stands; a checkpoint saves exactly this.
    private var position: RunPosition

    /// Prepares to train `network` (its weights are copied).
    public convenience init(network: Network, configuration: TrainingConfiguration) throws(ConfigurationError) {
        try self.init(network: network, configuration: configuration, foldingGradients: true)
    }

    /// `foldingGradients: false` keeps every gradient in the gradient block,
    /// for tests that hold the folded path to the plain one.
    init(network: Network, configuration: TrainingConfiguration, foldingGradients: Bool) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        architecture = network.architecture
        plan = ShardPlan(threads: configuration.threads, batchSize: configuration.batchSize, fanOut: configuration.fanOut)
        parameters = FloatBuffer(copying: network.parameters)
        velocity = FloatBuffer(count: network.parameters.count)
        best = configuration.patience != nil ? FloatBuffer(count: network.parameters.count) : nil
        // Evaluation spreads over every requested thread even when a small
        // minibatch trains on one shard, so there is a workspace per thread.
        let capacity = max(plan.shardCapacity, 256)
        let shards = plan.shards, usable = plan.usableThreads, shardCapacity = plan.shardCapacity
        let architecture = network.architecture
        let copies = ShardWorkspace.inputCopies(plan: plan, architecture: architecture)
        workspaces = (0..<max(shards, usable)).map { index in
            ShardWorkspace(
                architecture: architecture, capacity: capacity, withGradient: index < shards,
                inputCopies: index == 0 ? copies : 1, copyRows: shardCapacity)
        }
        chunks = UpdateChunk.chunks(of: network.architecture.layout)
        segments = network.architecture.layout.segments
        let folds = foldingGradients && plan.shards == 1 && configuration.l1 == 0 && configuration.l2 == 0
            && configuration.batchSize <= Int(ann_dense_sgd_batch_limit())
        let layerCount = network.architecture.layerCount
        let outputStep = network.architecture.fusesOutputStep
        // The layout's segments are each layer's weights, then its biases.
        foldedSegments = (0..<layerCount).flatMap { layer in
            [folds && !(outputStep && layer == layerCount - 1), false]
        }
        assert(foldedSegments.count == segments.count)
        foldsGradients = foldedSegments.contains(true)
        let folded = foldedSegments, layers = network.architecture.layout.layers
        deferredSegments = layers.indices.compactMap { l in
            folded[2 * l] && WeightStep.defersStep(layer: l) ? (layers[l].weightOffset, layers[l].weightCount) : nil
        }
        sourceTable = .allocate(capacity: plan.shards * plan.shards)
        sourceTable.initialize(repeating: nil, count: plan.shards * plan.shards)
        shuffler = SeededGenerator(seed: configuration.seed ^ 0x5EED_0F_5A3B_1E5)
        position = RunPosition(epochStartShuffler: shuffler)
    }

    /// Continues the run a checkpoint saved. `configuration` must match the
    /// checkpoint's settings, except the thread count when it does not change
    /// the result (it always does with shards; never with OpenMP fan-out).
    public convenience init(resuming checkpoint: TrainingCheckpoint, configuration: TrainingConfiguration) throws(ConfigurationError) {
        guard checkpoint.configuration == configuration else {
            throw ConfigurationError(
                flag: "--resume",
                reason: "the checkpoint was made with other settings (\(Self.differences(checkpoint.configuration, configuration))); resume with the original flags")
        }
        let network = try Network(architecture: checkpoint.architecture, parameters: checkpoint.parameters)
        try self.init(network: network, configuration: configuration)
        velocity.fill(with: checkpoint.velocity)
        if let saved = checkpoint.bestParameters, let best { best.fill(with: saved) }
        position = checkpoint.position
        shuffler = position.epochStartShuffler
    }

    deinit { sourceTable.deallocate() }

    /// The network with the current weights.
    public var network: Network {
        settleWeights()
        return Network(architecture: architecture, ownParameters: parameters.array)
    }

    /// The run's state now, to save and resume from.
    public var checkpoint: TrainingCheckpoint {
        settleWeights()
        return TrainingCheckpoint(
            architecture: architecture, configuration: configuration, parameters: parameters.array,
            velocity: velocity.array, bestParameters: best?.array, position: position)
    }

    /// Checks that a data set fits the network: as many features as inputs,
    /// no label beyond the outputs, target rows as wide as the output.
    public func checkCompatible(_ data: Dataset, role: String) throws(ConfigurationError) {
        if data.featureCount != architecture.inputSize {
            throw ConfigurationError(
                flag: "--layers",
                reason: "the input size \(architecture.inputSize) does not match the \(data.featureCount) features per sample of the \(role) data")
        }
        switch data.targets {
        case .classes:
            if data.classCount > architecture.outputSize {
                throw ConfigurationError(
                    flag: "--layers",
                    reason: "the output size \(architecture.outputSize) is smaller than the \(data.classCount) classes of the \(role) data")
            }
        case .values(_, let width):
            if width != architecture.outputSize {
                throw ConfigurationError(
                    flag: "--layers", reason: "the output size \(architecture.outputSize) does not match the \(width) target values per sample of the \(role) data")
            }
            if architecture.loss == .crossEntropy {
                throw ConfigurationError(flag: "--loss", reason: "cross-entropy needs class labels; the \(role) data has target values (use mse)")
            }
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
    /// `training`, evaluating on `test` after each epoch when given.
    ///
    /// `progress` hears from every minibatch and every epoch, and
    /// `stopRequested` is asked before every minibatch, always on the calling
    /// thread. With shards, the minibatches of an epoch run inside one
    /// `concurrentPerform` call whose workers wait while those two run
    /// (spinning for 2 ms, then napping): they must not wait for other work on
    /// Dispatch's global queues.
    /// Between minibatches, Task cancellation or `stopRequested()` returning true ends
    /// the run early; the trainer then stands where it stopped, and with
    /// `checkpoints` a checkpoint of that point is written, so a later run can
    /// resume it exactly. With `checkpoints`, one is also written after every
    /// epoch. A non-finite loss throws ``TrainingError/diverged(epoch:step:learningRate:)``
    /// before anything is written.
    public func train(
        on training: Dataset, test: Dataset? = nil, checkpoints: CheckpointStore? = nil,
        progress: (TrainingEvent) -> Void = { _ in }, stopRequested: () -> Bool = { false }
    ) throws(TrainingError) -> TrainingSummary {
        // Kernels run in the engine's mode; the callbacks in the caller's.
        let mode = FloatingPointMode.enter(configuration.subnormals)
        defer { mode.leave() }
        func notify(_ event: TrainingEvent) { mode.outside { progress(event) } }
        func shouldStop() -> Bool { mode.outside { stopRequested() } }
        do {
            try checkCompatible(training, role: "training")
            if let test { try checkCompatible(test, role: "test") }
        } catch {
            throw .configuration(error)
        }
        let validation = min(configuration.validationSize, training.count - 1)
        let trainCount = training.count - validation
        guard trainCount > 0 else { throw .configuration(ConfigurationError(flag: "--validation-size", reason: "leaves no training samples")) }

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
            let interruption = plan.shards == 1
                ? try runSteps(steps, run: run, progress: notify, stopRequested: shouldStop) {
                    trainStep(data: training, order: order.pointer, steps: steps, step: $0)
                }
                : try runShardSteps(
                    steps, data: training, order: order.pointer, run: run, progress: notify, stopRequested: shouldStop)
            let stepTimes = stepTimer.finishEpoch()
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
                stepTimes: stepTimes)
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
                    best.pointer.update(from: parameters.pointer, count: parameters.count)
                } else {
                    position.epochsSinceBest += 1
                    if position.epochsSinceBest >= patience {
                        parameters.pointer.update(from: best.pointer, count: parameters.count)
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
        settleWeights()
        let subnormals = configuration.subnormals
        data.withSampleSource { source in
            let pass = ShardAccess(EvaluationPass(
                workspaces: workspaces, source: source, range: samples, parameters: parameters.pointer,
                denseTargets: architecture.loss == .meanSquaredError))
            DispatchQueue.concurrentPerform(iterations: workspaces.count) { worker in
                FloatingPointMode.run(subnormals) { pass.value.run(worker: worker) }
            }
        }
    }

    /// The epoch's minibatches from `position.stepInEpoch` on, each run by
    /// `runStep` (its index in the epoch → its summed loss and correct
    /// count), with the bookkeeping, progress and stop checks between them.
    /// Returns why it stopped early, or nil once the epoch is done.
    private func runSteps(
        _ steps: EpochSteps, run: EpochRun, progress: (TrainingEvent) -> Void, stopRequested: () -> Bool,
        runStep: (Int) -> (loss: Double, correct: Int)
    ) throws(TrainingError) -> StopReason? {
        defer { settleWeights() }
        while position.stepInEpoch < steps.count {
            if Task.isCancelled { return .cancelled }
            if stopRequested() { return .interrupted(epoch: run.epoch, step: position.stepInEpoch) }
            let step = position.stepInEpoch
            let began = run.clock.now
            let (loss, hits) = runStep(step)
            run.stepTimer.record(run.clock.now - began)
            guard loss.isFinite else {
                throw .diverged(epoch: run.epoch, step: step + 1, learningRate: configuration.learningRate)
            }
            position.epochLossSum += loss
            position.epochCorrect += hits
            position.stepInEpoch += 1
            let done = steps.first(step) + steps.rows(step)
            progress(.batch(BatchProgress(
                epoch: run.epoch, epochs: run.epochs, samplesDone: done, samplesPerEpoch: steps.trainCount,
                loss: position.epochLossSum / Double(done), seconds: run.elapsed())))
        }
        return nil
    }

    /// ``runSteps(_:run:progress:stopRequested:runStep:)`` with each
    /// minibatch split into shards, all of the epoch's steps in one
    /// `concurrentPerform` call whose workers stay together (``ShardTeam``).
    /// The steps, callbacks included, are driven from the iteration on this
    /// thread.
    private func runShardSteps(
        _ steps: EpochSteps, data: Dataset, order: UnsafePointer<Int32>, run: EpochRun,
        progress: (TrainingEvent) -> Void, stopRequested: () -> Bool
    ) throws(TrainingError) -> StopReason? {
        var outcome: Result<StopReason?, TrainingError> = .success(nil)
        data.withSampleSource { source in
            let work = ShardEpoch(
                steps: steps, shardLimit: plan.shards, workspaces: workspaces, source: source, order: order,
                parameters: parameters.pointer, velocity: velocity.pointer, chunks: chunks, sourceTable: sourceTable,
                denseTargets: architecture.loss == .meanSquaredError, momentum: configuration.momentum,
                l1: configuration.l1, l2: configuration.l2, subnormals: configuration.subnormals)
            let team = ShardTeam(members: plan.shards)
            func coordinate() -> Result<StopReason?, TrainingError> {
                Result { () throws(TrainingError) -> StopReason? in
                    try runSteps(steps, run: run, progress: progress, stopRequested: stopRequested) { step in
                        let shards = work.shards(step)
                        team.run(
                            step: step, shards: shards,
                            runShard: { work.runShard(step: step, shard: $0) },
                            runRange: { work.runRange(step: step, range: $0) })
                        return work.results(step)
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
                        team.serve(shardsOf: work.shards, runShard: work.runShard, runRange: work.runRange)
                    }
                }
                if let result = shared.value.outcome.value { outcome = result }
            }
            // No iteration ran on this thread: run the steps here, alone.
            if !team.wasCoordinated { outcome = coordinate() }
        }
        return try outcome.get()
    }

    /// One minibatch on one shard, OpenMP inside the kernels.
    private func trainStep(data: Dataset, order: UnsafePointer<Int32>, steps: EpochSteps, step index: Int) -> (loss: Double, correct: Int) {
        let learningRate = steps.learningRate(index), rows = steps.rows(index)
        let denseTargets = architecture.loss == .meanSquaredError
        data.withSampleSource { source in
            let step = ShardStep(
                workspaces: workspaces, source: source, order: order + steps.first(index), rows: rows, shards: 1,
                parameters: parameters.pointer, kernelThreads: plan.kernelThreads, denseTargets: denseTargets,
                weightStep: foldsGradients ? WeightStep(
                    parameters: parameters.pointer, velocity: velocity.pointer,
                    momentum: configuration.momentum, learningRate: learningRate,
                    pendingLearningRate: pendingLearningRate) : nil)
            step.run(shard: 0)
            updateWithKernelThreads(learningRate: learningRate)
        }
        pendingLearningRate = deferredSegments.isEmpty ? nil : learningRate
        return (workspaces[0].lossSum, workspaces[0].correct)
    }

    /// With a single shard there is nothing to reduce, and the update itself
    /// may fan out with OpenMP. Segments the backward pass stepped are done.
    private func updateWithKernelThreads(learningRate: Float) {
        let gradient = workspaces[0].gradient.pointer
        for (segment, folded) in zip(segments, foldedSegments) where !folded {
            ann_sgd_momentum_step(
                parameters.pointer + segment.offset, velocity.pointer + segment.offset, gradient + segment.offset,
                segment.count, learningRate, configuration.momentum,
                segment.isWeight ? configuration.l1 : 0, segment.isWeight ? configuration.l2 : 0,
                Int32(plan.kernelThreads))
        }
    }

    /// Takes the weight step the last minibatch left pending, if any, so that
    /// the weights are those of the plain step order.
    private func settleWeights() {
        guard let learningRate = pendingLearningRate else { return }
        FloatingPointMode.run(configuration.subnormals) {
            for segment in deferredSegments {
                ann_sgd_velocity_step(
                    parameters.pointer + segment.offset, velocity.pointer + segment.offset, segment.count, learningRate,
                    Int32(plan.kernelThreads))
            }
        }
        pendingLearningRate = nil
    }

    /// Fisher–Yates with the trainer's own generator, so the order depends on the seed alone.
    private func shuffle(_ values: UnsafeMutablePointer<Int32>, count: Int) {
        Self.shuffle(values, count: count, using: &shuffler)
    }

    static func shuffle(_ values: UnsafeMutablePointer<Int32>, count: Int, using generator: inout SeededGenerator) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            // A uniform index in 0...i from the top 32 bits (Lemire's multiply-shift).
            let j = Int(((generator.next() >> 32) &* UInt64(i + 1)) >> 32)
            (values[i], values[j]) = (values[j], values[i])
        }
    }

    /// Names the settings that differ, flag by flag.
    private static func differences(_ saved: TrainingConfiguration, _ given: TrainingConfiguration) -> String {
        let pairs: [(String, String, String)] = [
            ("--epochs", "\(saved.epochs)", "\(given.epochs)"), ("--batch-size", "\(saved.batchSize)", "\(given.batchSize)"),
            ("--lr", "\(saved.learningRate)", "\(given.learningRate)"), ("--schedule", saved.schedule.rawValue, given.schedule.rawValue),
            ("--momentum", "\(saved.momentum)", "\(given.momentum)"), ("--l1", "\(saved.l1)", "\(given.l1)"),
            ("--l2", "\(saved.l2)", "\(given.l2)"), ("--threads", "\(saved.threads)", "\(given.threads)"),
            ("--fan-out", saved.fanOut.rawValue, given.fanOut.rawValue), ("--seed", "\(saved.seed)", "\(given.seed)"),
            ("--validation-size", "\(saved.validationSize)", "\(given.validationSize)"),
            ("--subnormals", saved.subnormals.rawValue, given.subnormals.rawValue),
            ("--target-accuracy", "\(saved.targetAccuracy.map { "\($0)" } ?? "none")", "\(given.targetAccuracy.map { "\($0)" } ?? "none")"),
            ("--patience", "\(saved.patience.map { "\($0)" } ?? "none")", "\(given.patience.map { "\($0)" } ?? "none")"),
        ]
        let differing = pairs.filter { $0.1 != $0.2 }.map { "\($0.0) was \($0.1), now \($0.2)" }
        return differing.isEmpty ? "input scale differs" : differing.joined(separator: ", ")
    }
}
