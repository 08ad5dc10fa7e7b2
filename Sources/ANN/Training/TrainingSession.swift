/// A training run on a thread of its own, for apps and servers: its events
/// as an `AsyncSequence`, its summary to `await`, and a way to stop it.
///
/// ```swift
/// let session = TrainingSession(trainer: try Trainer(network: network, configuration: settings), on: data)
/// for await event in session.events { show(event) }   // on the caller's actor
/// let summary = try await session.summary
/// ```
///
/// Only the summary wanted: `try await TrainingSession(trainer: trainer, on: data).summary`.
///
/// The run starts when the session is made, on a `Thread` of its own (never
/// on the cooperative pool that tasks share), and goes on whether or not
/// anyone reads its events or waits for its summary.
///
/// **Stopping.** Cancelling a task that waits for ``summary`` or iterates
/// ``events``, or calling ``cancel()``, raises the run's stop flag. The run
/// reads it before every minibatch, as `ann` reads Ctrl-C: it finishes the
/// minibatch in progress, stops, and the summary's ``TrainingSummary/stopReason``
/// is ``StopReason/cancelled``. Nothing is thrown for it: the summary holds
/// the weights reached and the finished epochs. With a ``CheckpointStore``,
/// a checkpoint of where it stopped is written, from which
/// ``Trainer/init(resuming:configuration:)`` continues exactly.
///
/// **Events.** ``events`` yields every ``TrainingEvent`` in the order the
/// run made it (a `.batch` per minibatch, an `.epoch` per epoch) and
/// finishes when the run ends, before ``summary`` is ready. The run never
/// waits for its reader: with the default `.unbounded` policy, events a slow
/// reader has not taken yet are held in memory (about 170 bytes each);
/// `.bufferingNewest(n)` keeps only the latest `n`, dropping older ones
/// (``TrainingSummary/epochs`` still has every epoch's report). Iterate
/// them from one task: the sequence has a single reader. A reader that
/// leaves the loop (`break`) leaves the run going; one whose task is
/// cancelled ends the sequence, and the run with it.
public final class TrainingSession: Sendable {
    /// The run's events, in order; finishes when the run ends.
    public let events: AsyncStream<TrainingEvent>

    private let stop = StopFlag()
    private let outcome = RunOutcome()

    /// Starts training `trainer` on `training` (and evaluating on `test`)
    /// on a thread of its own; see
    /// ``Trainer/train(on:test:checkpoints:progress:stopRequested:)-(Dataset,_,_,_,_)``
    /// for what a run does.
    ///
    /// The trainer is `sending`: it becomes the session's, and the caller
    /// cannot touch it again (the summary has the trained ``Network``).
    public init(
        trainer: sending Trainer, on training: Dataset, test: Dataset? = nil, checkpoints: CheckpointStore? = nil,
        bufferingPolicy: AsyncStream<TrainingEvent>.Continuation.BufferingPolicy = .unbounded
    ) {
        let (events, continuation) = AsyncStream.makeStream(of: TrainingEvent.self, bufferingPolicy: bufferingPolicy)
        self.events = events
        let stop = stop, outcome = outcome
        // A reader's task cancelled mid-iteration ends the stream: stop the run too.
        continuation.onTermination = { termination in
            if case .cancelled = termination { stop.raise() }
        }
        TrainingThread.start(
            TrainerHandoff(trainer: trainer), training: training, test: test, checkpoints: checkpoints, stop: stop,
            progress: { continuation.yield($0) },
            // The stream is held until the run ends: a stream dropped with
            // the session would end as cancelled, and stop a run nobody
            // watches, which must go on.
            finished: { [events] result in
                withExtendedLifetime(events) { continuation.finish() }
                outcome.finish(result)
            })
    }

    /// IDX data, its bytes scaled by the configuration's `inputScale`.
    public convenience init(
        trainer: sending Trainer, on training: LabeledDataset, test: LabeledDataset? = nil,
        checkpoints: CheckpointStore? = nil,
        bufferingPolicy: AsyncStream<TrainingEvent>.Continuation.BufferingPolicy = .unbounded
    ) {
        let scale = trainer.configuration.inputScale
        self.init(
            trainer: trainer, on: Dataset(training, inputScale: scale), test: test.map { Dataset($0, inputScale: scale) },
            checkpoints: checkpoints, bufferingPolicy: bufferingPolicy)
    }

    /// The run's summary, once it has ended. The waiting task is suspended,
    /// not blocked, whatever its actor. Cancelling it stops the run after its
    /// current minibatch and still returns a summary, whose stop reason is
    /// ``StopReason/cancelled``; an error the run met (settings that do not
    /// fit the data, divergence, a checkpoint that cannot be written) is
    /// thrown. Any number of tasks may wait.
    public var summary: TrainingSummary {
        get async throws(TrainingError) {
            try await outcome.value(stopping: stop).get()
        }
    }

    /// Asks the run to stop after its current minibatch; returns at once.
    public func cancel() {
        stop.raise()
    }
}
