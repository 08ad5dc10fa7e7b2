import Foundation
import Synchronization
import Testing
@testable import ANN

/// The app model of the article "Training from an app or a server"
/// (Sources/ANN/ANN.docc/TrainingFromAnAppOrServer.md), word for word but
/// for the `epochShown` hook and a `task` the tests can await.
@MainActor
final class TrainingModel {
    private(set) var epochs: [EpochReport] = []
    private(set) var epochProgress = 0.0
    private(set) var summary: TrainingSummary?
    private(set) var failure: TrainingError?
    private(set) var task: Task<Void, Never>?
    /// Runs on the main actor after each epoch is shown.
    var epochShown: (() -> Void)?

    func start(network: Network, settings: TrainingConfiguration, data: Dataset) throws(ConfigurationError) {
        // The trainer goes to the session: it is not Sendable, and the
        // session's thread is now the only one to use it.
        let trainer = try Trainer(network: network, configuration: settings)
        let session = TrainingSession(trainer: trainer, on: data)
        task = Task {
            // The loop runs on the main actor; training, on its own thread.
            for await event in session.events {
                switch event {
                case .batch(let batch):
                    epochProgress = Double(batch.samplesDone) / Double(batch.samplesPerEpoch)
                case .epoch(let report):
                    epochs.append(report)
                    epochShown?()
                }
            }
            do throws(TrainingError) {
                summary = try await session.summary  // its network is the trained one
            } catch {
                failure = error
            }
        }
    }

    /// The Stop button.
    func stop() {
        task?.cancel()
    }
}

@Suite("Training from async code")
struct AsyncTrainingTests {
    /// 64 samples in minibatches of 16: 4 steps an epoch, a few hundred µs.
    static let data = Dataset(clusteredDataset(samples: 64))

    static func settings(epochs: Int, threads: Int = 1, shards: Int? = nil) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.epochs = epochs
        settings.batchSize = 16
        settings.threads = threads
        settings.shards = shards
        settings.seed = 9
        return settings
    }

    static func trainer(_ settings: TrainingConfiguration) throws -> Trainer {
        try Trainer(network: Network(architecture: NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 9), configuration: settings)
    }

    @MainActor
    @Test("cancelling from the main actor stops a long run soon after its first epoch", .timeLimit(.minutes(1)))
    func cancelFromMainActor() async throws {
        let epochs = 1_000_000
        let model = TrainingModel()
        // The main actor shows the first epoch, then the person presses Stop.
        try await withCheckedThrowingContinuation { (shown: CheckedContinuation<Void, any Error>) in
            model.epochShown = {
                model.epochShown = nil
                shown.resume()
            }
            do {
                try model.start(
                    network: Network(architecture: NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 9),
                    settings: Self.settings(epochs: epochs), data: Self.data)
            } catch {
                shown.resume(throwing: error)
            }
        }
        model.stop()
        await model.task?.value

        #expect(model.failure == nil)
        let summary = try #require(model.summary)
        #expect(summary.stopReason == .cancelled)
        #expect(summary.epochs.count >= 1 && summary.epochs.count < epochs)
        // The epochs shown are the first of those run, in order (the
        // stream ends at the cancellation, so a few may go unshown).
        let shown = model.epochs.map(\.epoch)
        #expect(shown.first == 1)
        #expect(model.epochs == Array(summary.epochs.prefix(shown.count)))
        #expect(model.epochProgress > 0)
    }

    /// Only the summary wanted: a main-actor task awaits it, and the main
    /// actor cancels that task once the first epoch is reported.
    @MainActor
    @Test("cancelling a main-actor task that awaits the summary stops the run", .timeLimit(.minutes(1)))
    func cancelAwaitingSummary() async throws {
        let epochs = 1_000_000
        let session = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: epochs)), on: Self.data)
        let task = Task { @MainActor in try await session.summary }
        for await event in session.events {
            if case .epoch(let report) = event {
                #expect(report.epoch == 1)
                break
            }
        }
        task.cancel()
        let summary = try await task.value
        #expect(summary.stopReason == .cancelled)
        #expect(summary.epochs.count >= 1 && summary.epochs.count < epochs)
    }

    /// A session nobody keeps: its run goes on to the end (its last
    /// checkpoint is the last epoch's), not cancelled with the dropped stream.
    @Test("a session dropped at once still trains to its end", .timeLimit(.minutes(1)))
    func droppedSessionRunsToEnd() async throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        do {
            _ = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: 3)), on: Self.data, checkpoints: store)
        }
        while store.newestValid().checkpoint?.epochsCompleted != 3 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(store.newestValid().checkpoint?.stepInEpoch == 0)
    }

    /// The summary's waiter is never cancelled here: the reader's
    /// cancellation alone stops the run.
    @Test("cancelling the task that reads the events stops the run", .timeLimit(.minutes(1)))
    func cancelReader() async throws {
        let session = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: 1_000_000)), on: Self.data)
        let (firstEpoch, seen) = AsyncStream.makeStream(of: Void.self)
        let reader = Task {
            for await event in session.events {
                if case .epoch = event { seen.yield() }
            }
        }
        for await _ in firstEpoch { break }
        reader.cancel()
        await reader.value
        let summary = try await session.summary
        #expect(summary.stopReason == .cancelled)
        #expect(summary.epochs.count < 1_000_000)
    }

    @Test("the event stream yields every minibatch and epoch run, in order, then finishes", .timeLimit(.minutes(1)))
    func eventsInOrder() async throws {
        let session = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: 5)), on: Self.data)
        var events: [TrainingEvent] = []
        for await event in session.events { events.append(event) }
        let summary = try await session.summary
        #expect(summary.stopReason == .completedEpochs)

        let reports = events.compactMap { event -> EpochReport? in
            if case .epoch(let report) = event { return report }
            return nil
        }
        #expect(reports == summary.epochs)
        #expect(reports.map(\.epoch) == [1, 2, 3, 4, 5])
        // Each epoch: its 4 minibatches, then its report.
        let expected = (1...5).flatMap { epoch in
            (1...4).map { "batch \(epoch) \($0 * 16)" } + ["epoch \(epoch)"]
        }
        let seen = events.map { event in
            switch event {
            case .batch(let progress): "batch \(progress.epoch) \(progress.samplesDone)"
            case .epoch(let report): "epoch \(report.epoch)"
            }
        }
        #expect(seen == expected)
    }

    @Test("async training gives the synchronous run's weights, bit for bit", .timeLimit(.minutes(1)),
          arguments: [(threads: 1, shards: 1), (2, 2)])
    func sameWeightsAsSynchronous(run: (threads: Int, shards: Int)) async throws {
        let settings = Self.settings(epochs: 4, threads: run.threads, shards: run.shards)
        let synchronous = try Self.trainer(settings).train(on: Self.data, test: Self.data)
        let session = TrainingSession(trainer: try Self.trainer(settings), on: Self.data, test: Self.data)
        let summary = try await session.summary
        #expect(summary.network.parameters.map(\.bitPattern) == synchronous.network.parameters.map(\.bitPattern))
        #expect(summary.epochs.map(\.loss) == synchronous.epochs.map(\.loss))
        #expect(summary.stopReason == .completedEpochs)
    }

    /// The run is cancelled once a main-actor task has ticked 20 times; had
    /// the main actor been blocked, it would have run to its end first.
    @MainActor
    @Test("the main actor stays responsive while training runs", .timeLimit(.minutes(1)))
    func mainActorResponsive() async throws {
        let session = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: 1_000_000)), on: Self.data)
        var ticks = 0
        while ticks < 20 {
            try await Task.sleep(for: .milliseconds(5))
            MainActor.assertIsolated()
            ticks += 1
        }
        session.cancel()
        let summary = try await session.summary
        #expect(summary.stopReason == .cancelled)
        #expect(summary.epochs.count < 1_000_000)
    }

    /// The stop flag is raised from the training thread itself, after the
    /// sixth minibatch, so that the run stops at a known step: a reader of
    /// the events may lag any number of steps behind.
    @Test("a cancelled run writes a checkpoint that resumes to the uninterrupted end", .timeLimit(.minutes(1)))
    func cancelledRunResumes() async throws {
        let settings = Self.settings(epochs: 3)
        let uninterrupted = try Self.trainer(settings).train(on: Self.data)
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        let stop = StopFlag(), outcome = RunOutcome(), batches = Atomic<Int>(0)
        TrainingThread.start(
            TrainerHandoff(trainer: try Self.trainer(settings)), training: Self.data, test: nil, checkpoints: store,
            stop: stop,
            progress: { event in
                if case .batch = event, batches.add(1, ordering: .relaxed).newValue == 6 { stop.raise() }
            },
            finished: { outcome.finish($0) })
        let stopped = try await outcome.value(stopping: stop).get()
        #expect(stopped.stopReason == .cancelled)
        #expect(stopped.epochs.count == 1)
        #expect(stopped.checkpoints.count == 2 && stopped.checkpoints.last == store.files().last)
        let saved = try #require(store.newestValid().checkpoint)
        #expect(saved.epochsCompleted == 1 && saved.stepInEpoch == 2)
        let resumed = try Trainer(resuming: saved, configuration: settings).train(on: Self.data)
        #expect(resumed.network.parameters == uninterrupted.network.parameters)
    }

    @Test("cancel() just after the start stops the run", .timeLimit(.minutes(1)))
    func cancelAtOnce() async throws {
        let session = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: 1_000_000)), on: Self.data)
        session.cancel()
        let summary = try await session.summary
        #expect(summary.stopReason == .cancelled)
        #expect(summary.epochs.count < 1_000_000)
    }

    @Test("an error the run meets is thrown by summary, and the events finish")
    func errorsAreThrown() async throws {
        let regression = try Dataset(features: [Float](repeating: 0.5, count: 32), featureCount: 16, targets: [1, 0, 0, 0, 0, 1, 0, 0], targetWidth: 4)
        let session = TrainingSession(trainer: try Self.trainer(Self.settings(epochs: 2)), on: regression)
        var count = 0
        for await _ in session.events { count += 1 }
        #expect(count == 0)
        await #expect(throws: TrainingError.configuration(ConfigurationError(
            parameter: "loss",
            reason: "cross-entropy needs class labels, and the training data has target values: for regression make `loss` mean squared error and `output` linear"))) {
            try await session.summary
        }
    }
}
