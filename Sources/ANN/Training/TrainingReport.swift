/// What one epoch achieved.
public struct EpochReport: Sendable, Equatable, Codable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's samples.
    public var loss: Double
    /// Fraction of training samples classified right during the epoch (measured
    /// on each minibatch before its update, so it costs no extra pass); nil
    /// for regression.
    public var trainAccuracy: Double?
    /// Accuracy on the held-out validation split, when there is one (classification).
    public var validationAccuracy: Double?
    /// Accuracy on the test set, when one was given (classification).
    public var testAccuracy: Double?
    /// Mean loss on the test set, when one was given.
    public var testLoss: Double?
    /// Seconds spent training in this epoch (evaluation excluded).
    public var seconds: Double
    /// Training throughput of this epoch.
    public var samplesPerSecond: Double
    /// Learning rate at the end of the epoch.
    public var learningRate: Float
    /// How long its minibatch steps took (nil when the epoch timed none,
    /// and in histories saved before steps were timed).
    public var stepTimes: StepTimeSummary? = nil
    /// Seconds the epoch's steps spent gathering the other processes'
    /// gradients, when it trained with a ``ProcessGroup``.
    public var exchangeSeconds: Double? = nil
}

/// Where an epoch is, reported between minibatches.
public struct BatchProgress: Sendable, Equatable {
    /// 1-based epoch in progress.
    public var epoch: Int
    /// Epochs the run is configured for.
    public var epochs: Int
    /// Training samples processed so far in this epoch.
    public var samplesDone: Int
    /// Training samples per epoch.
    public var samplesPerEpoch: Int
    /// Mean loss over the epoch's samples so far.
    public var loss: Double
    /// Seconds of training so far in this epoch.
    public var seconds: Double
}

/// Progress as training reports it, between minibatches and after each epoch:
/// to `train`'s `progress` callback on the thread that called it, or through
/// a ``TrainingSession``'s ``TrainingSession/events`` to whoever iterates them.
public enum TrainingEvent: Sendable {
    /// A minibatch finished.
    case batch(BatchProgress)
    /// An epoch finished and was evaluated.
    case epoch(EpochReport)
}

/// Why training ended.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    /// Every configured epoch ran.
    case completedEpochs
    /// The watched accuracy reached the target (the value reached).
    case reachedTargetAccuracy(Double)
    /// Validation accuracy did not improve for this many epochs.
    case noImprovement(epochs: Int)
    /// The run was cancelled: the Task running `train` was, or a
    /// ``TrainingSession``'s awaiting task (or ``TrainingSession/cancel()``).
    case cancelled
    /// The caller's stop request (e.g. Ctrl-C) was honoured after a minibatch.
    case interrupted(epoch: Int, step: Int)

    /// The reason in words, for logs.
    public var description: String {
        switch self {
        case .completedEpochs: "completed all epochs"
        case .reachedTargetAccuracy(let a): "reached the target accuracy (\(a))"
        case .noImprovement(let n): "no validation improvement for \(n) epochs (kept the best weights)"
        case .cancelled: "cancelled"
        case let .interrupted(epoch, step): "interrupted at epoch \(epoch), step \(step)"
        }
    }
}

/// The outcome of a run.
public struct TrainingSummary: Sendable {
    /// The trained network (the best one when patience stopped the run).
    public var network: Network
    /// One report per finished epoch, resumed ones included.
    public var epochs: [EpochReport]
    /// Why the run ended.
    public var stopReason: StopReason
    /// Seconds spent in training steps, all epochs together (evaluation excluded).
    public var trainingSeconds: Double
    /// How steps were spread over cores.
    public var plan: ShardPlan
    /// The checkpoint files written, newest last.
    public var checkpoints: [String] = []
}

/// Training stopped because it cannot go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The loss became NaN or infinite.
    case diverged(epoch: Int, step: Int, learningRate: Float)
    /// The settings or the data do not fit together.
    case configuration(ConfigurationError)
    /// A checkpoint could not be written.
    case checkpoint(ModelFileError)
    /// The processes training together could not exchange their gradients,
    /// or do not train on the same data.
    case processGroup(ProcessGroupError)

    /// One line saying what went wrong and what to try.
    public var description: String {
        switch self {
        case let .configuration(error):
            error.description
        case let .checkpoint(error):
            error.description
        case let .processGroup(error):
            error.description
        case let .diverged(epoch, step, rate):
            "training diverged at epoch \(epoch), step \(step): the loss is not finite; try a lower learning rate than --lr \(rate)"
        }
    }
}
