import Foundation

/// Where each minibatch of an epoch starts, how many rows it has and its
/// learning rate: a function of the step's index alone, so that the members
/// of a shards team (``ShardTeam``) work a step out for themselves.
struct EpochSteps: Sendable {
    let batchSize: Int
    /// Samples trained on per epoch (the validation split held out).
    let trainCount: Int
    /// Steps of the whole run before this epoch's first.
    let stepsBefore: Int
    let totalSteps: Int
    let learningRate: Float
    let schedule: LearningRateSchedule

    var count: Int { (trainCount + batchSize - 1) / batchSize }

    func first(_ step: Int) -> Int { step * batchSize }

    func rows(_ step: Int) -> Int { min(batchSize, trainCount - first(step)) }

    func learningRate(_ step: Int) -> Float {
        switch schedule {
        case .constant: learningRate
        case .cosine: learningRate * 0.5 * (1 + Float(cos(Double.pi * Double(stepsBefore + step) / Double(totalSteps))))
        }
    }
}

/// The epoch in progress, as its steps report it.
struct EpochRun {
    let epoch: Int
    let epochs: Int
    let clock: ContinuousClock
    let start: ContinuousClock.Instant
    /// Training time the epoch had before this run (a resumed epoch's).
    let secondsBefore: Double
    /// Where each step's duration goes.
    let stepTimer: StepTimer

    /// Training seconds of the epoch so far.
    func elapsed() -> Double {
        secondsBefore + (clock.now - start).inSeconds
    }
}

/// Where the coordinating iteration of a shards epoch leaves how it ended.
final class EpochOutcome {
    var value: Result<StopReason?, TrainingError>?
}
