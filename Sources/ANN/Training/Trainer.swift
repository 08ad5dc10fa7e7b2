import CANNKernels
import Dispatch
import Foundation

/// Trains a network by minibatch SGD with momentum, spreading each minibatch
/// over cores as its `plan` says. All buffers are allocated when the trainer
/// is made; a training step allocates nothing.
///
/// Same network, same configuration (seed included), same thread count: the
/// same weights, bit for bit. Different thread counts split minibatches
/// differently, so their float sums round differently.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let plan: ShardPlan
    public let architecture: NetworkArchitecture

    private let parameters: FloatBuffer
    private let velocity: FloatBuffer
    private let workspaces: [ShardWorkspace]
    private let chunks: [UpdateChunk]
    private let sourceTable: UnsafeMutablePointer<UnsafePointer<Float>?>
    private var shuffler: SeededGenerator

    /// Prepares to train `network` (its weights are copied).
    public init(network: Network, configuration: TrainingConfiguration) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        architecture = network.architecture
        plan = ShardPlan(threads: configuration.threads, batchSize: configuration.batchSize, fanOut: configuration.fanOut)
        parameters = FloatBuffer(copying: network.parameters)
        velocity = FloatBuffer(count: network.parameters.count)
        // Evaluation spreads over every requested thread even when a small
        // minibatch trains on one shard, so there is a workspace per thread.
        let capacity = max(plan.shardCapacity, 256)
        let shards = plan.shards
        workspaces = (0..<max(shards, configuration.threads)).map { index in
            ShardWorkspace(architecture: network.architecture, capacity: capacity, withGradient: index < shards)
        }
        chunks = UpdateChunk.chunks(of: network.architecture.layout)
        sourceTable = .allocate(capacity: plan.shards * plan.shards)
        sourceTable.initialize(repeating: nil, count: plan.shards * plan.shards)
        shuffler = SeededGenerator(seed: configuration.seed ^ 0x5EED_0F_5A3B_1E5)
    }

    deinit { sourceTable.deallocate() }

    /// The network with the current weights.
    public var network: Network {
        // The architecture and count are the trainer's own, so this cannot fail.
        (try? Network(architecture: architecture, parameters: parameters.array)) ?? Network(architecture: architecture, seed: 0)
    }

    /// Checks that a data set fits the network: as many features as inputs,
    /// no label beyond the outputs.
    public func checkCompatible(_ data: LabeledDataset, role: String) throws(ConfigurationError) {
        if data.featureCount != architecture.inputSize {
            throw ConfigurationError(
                flag: "--layers",
                reason: "the input size \(architecture.inputSize) does not match the \(data.featureCount) features per sample of the \(role) data")
        }
        if data.classCount > architecture.outputSize {
            throw ConfigurationError(
                flag: "--layers",
                reason: "the output size \(architecture.outputSize) is smaller than the \(data.classCount) classes of the \(role) data")
        }
    }

    /// Runs the configured epochs (or until a stopping criterion holds) on
    /// `training`, evaluating on `test` after each epoch when given. `progress`
    /// hears from every minibatch and every epoch; Task cancellation stops the
    /// run between minibatches.
    public func train(
        on training: LabeledDataset, test: LabeledDataset? = nil,
        progress: (TrainingEvent) -> Void = { _ in }
    ) throws(TrainingError) -> TrainingSummary {
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
        for i in 0..<trainCount { order.pointer[i] = Int32(i) }
        let best = configuration.patience != nil ? FloatBuffer(count: parameters.count) : nil
        var bestAccuracy = -1.0, epochsSinceBest = 0
        var reports: [EpochReport] = []
        var stopReason = StopReason.completedEpochs
        var totalSeconds = 0.0
        let stepsPerEpoch = (trainCount + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = stepsPerEpoch * configuration.epochs

        epochs: for epoch in 1...configuration.epochs {
            shuffle(order.pointer, count: trainCount)
            let clock = ContinuousClock()
            let start = clock.now
            var lossSum = 0.0, correct = 0, learningRate = configuration.learningRate
            for step in 0..<stepsPerEpoch {
                if Task.isCancelled { stopReason = .cancelled; break epochs }
                let first = step * configuration.batchSize
                let rows = min(configuration.batchSize, trainCount - first)
                learningRate = rate(atStep: (epoch - 1) * stepsPerEpoch + step, of: totalSteps)
                let (loss, hits) = trainStep(
                    data: training, order: order.pointer + first, rows: rows, learningRate: learningRate)
                guard loss.isFinite else {
                    throw .diverged(epoch: epoch, step: step + 1, learningRate: configuration.learningRate)
                }
                lossSum += loss
                correct += hits
                progress(.batch(BatchProgress(
                    epoch: epoch, epochs: configuration.epochs, samplesDone: first + rows,
                    samplesPerEpoch: trainCount, loss: lossSum / Double(first + rows),
                    seconds: seconds(clock.now - start))))
            }
            let elapsed = seconds(clock.now - start)
            totalSeconds += elapsed

            let validationAccuracy = validation > 0
                ? evaluate(training, samples: trainCount..<training.count).accuracy : nil
            let testAccuracy = test.map { evaluate($0).accuracy }
            let report = EpochReport(
                epoch: epoch, loss: lossSum / Double(trainCount), trainAccuracy: Double(correct) / Double(trainCount),
                validationAccuracy: validationAccuracy, testAccuracy: testAccuracy, seconds: elapsed,
                samplesPerSecond: Double(trainCount) / max(elapsed, 1e-9), learningRate: learningRate)
            reports.append(report)
            progress(.epoch(report))

            if let target = configuration.targetAccuracy, let watched = validationAccuracy ?? testAccuracy, watched >= target {
                stopReason = .reachedTargetAccuracy(watched)
                break
            }
            if let patience = configuration.patience, let best, let watched = validationAccuracy {
                if watched > bestAccuracy {
                    bestAccuracy = watched
                    epochsSinceBest = 0
                    best.pointer.update(from: parameters.pointer, count: parameters.count)
                } else {
                    epochsSinceBest += 1
                    if epochsSinceBest >= patience {
                        parameters.pointer.update(from: best.pointer, count: parameters.count)
                        stopReason = .noImprovement(epochs: patience)
                        break
                    }
                }
            }
        }
        return TrainingSummary(
            network: network, epochs: reports, stopReason: stopReason, trainingSeconds: totalSeconds, plan: plan)
    }

    /// Confusion counts of the current network on `data` (or part of it).
    public func evaluate(_ data: LabeledDataset, samples: Range<Int>? = nil) -> ConfusionMatrix {
        let range = samples ?? 0..<data.count
        let classes = architecture.outputSize
        withSamples(of: data) { source in
            let pass = ShardAccess(EvaluationPass(
                workspaces: workspaces, source: source, range: range, parameters: parameters.pointer))
            DispatchQueue.concurrentPerform(iterations: workspaces.count) { pass.value.run(worker: $0) }
        }
        var counts = [Int](repeating: 0, count: classes * classes)
        for workspace in workspaces {
            for i in 0..<counts.count { counts[i] += workspace.confusion[i] }
        }
        return ConfusionMatrix(classCount: classes, counts: counts)
    }

    /// One minibatch: shards run forward and backward in parallel, then the
    /// gradients are summed in shard order and the optimiser steps.
    private func trainStep(data: LabeledDataset, order: UnsafePointer<Int32>, rows: Int, learningRate: Float) -> (Double, Int) {
        let shards = min(plan.shards, rows)
        let needsTargets = architecture.loss == .meanSquaredError
        withSamples(of: data) { source in
            let step = ShardAccess(ShardStep(
                workspaces: workspaces, source: source, order: order, rows: rows, shards: shards,
                parameters: parameters.pointer, kernelThreads: plan.kernelThreads, oneHotTargets: needsTargets))
            if shards == 1 {
                step.value.run(shard: 0)
            } else {
                DispatchQueue.concurrentPerform(iterations: shards) { step.value.run(shard: $0) }
            }
        }
        let update = ShardAccess(ReduceAndUpdate(
            workspaces: workspaces, shards: shards, workers: shards, chunks: chunks, sourceTable: sourceTable,
            parameters: parameters.pointer, velocity: velocity.pointer, learningRate: learningRate,
            momentum: configuration.momentum, l1: configuration.l1, l2: configuration.l2))
        if shards == 1 {
            updateWithKernelThreads(learningRate: learningRate)
        } else {
            DispatchQueue.concurrentPerform(iterations: shards) { update.value.run(worker: $0) }
        }
        var loss = 0.0, correct = 0
        for workspace in workspaces.prefix(shards) {
            loss += workspace.lossSum
            correct += workspace.correct
        }
        return (loss, correct)
    }

    /// With a single shard there is nothing to reduce, and the update itself
    /// may fan out with OpenMP.
    private func updateWithKernelThreads(learningRate: Float) {
        let gradient = workspaces[0].gradient.pointer
        for segment in architecture.layout.segments {
            ann_sgd_momentum_step(
                parameters.pointer + segment.offset, velocity.pointer + segment.offset, gradient + segment.offset,
                segment.count, learningRate, configuration.momentum,
                segment.isWeight ? configuration.l1 : 0, segment.isWeight ? configuration.l2 : 0,
                Int32(plan.kernelThreads))
        }
    }

    private func rate(atStep step: Int, of total: Int) -> Float {
        switch configuration.schedule {
        case .constant: configuration.learningRate
        case .cosine: configuration.learningRate * 0.5 * (1 + Float(cos(Double.pi * Double(step) / Double(total))))
        }
    }

    /// Fisher–Yates with the trainer's own generator, so the order depends on the seed alone.
    private func shuffle(_ values: UnsafeMutablePointer<Int32>, count: Int) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int((shuffler.next() >> 32) &* UInt64(i + 1) >> 32)
            (values[i], values[j]) = (values[j], values[i])
        }
    }

    private func withSamples(of data: LabeledDataset, _ body: (SampleSource) -> Void) {
        data.pixels.withUnsafeBufferPointer { pixels in
            data.labels.withUnsafeBufferPointer { labels in
                guard let pixelBase = pixels.baseAddress, let labelBase = labels.baseAddress else { return }
                body(SampleSource(
                    pixels: pixelBase, labels: labelBase, featureCount: data.featureCount,
                    inputScale: configuration.inputScale))
            }
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
