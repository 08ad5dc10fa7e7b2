import Foundation
import Testing
@testable import ANN

@Suite("Checkpoints and resume")
struct CheckpointTests {
    static func settings(threads: Int = 2, shards: Int? = nil) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.shards = shards
        settings.epochs = 3
        settings.batchSize = 32
        settings.threads = threads
        settings.seed = 5
        settings.validationSize = 40
        settings.patience = 5
        return settings
    }

    /// Two hidden layers: the second takes its weight step in the next
    /// forward pass, which a checkpoint between steps must not lose.
    static let architecture = try! NetworkArchitecture(layerSizes: [16, 12, 8, 4])

    static func freshTrainer(threads: Int = 2, shards: Int? = nil) throws -> Trainer {
        try Trainer(network: Network(architecture: architecture, seed: 5), configuration: settings(threads: threads, shards: shards))
    }

    /// With shards, the stop request is asked from inside the epoch's
    /// `concurrentPerform` call, on the calling thread.
    @Test("an interrupted run resumed from its checkpoint ends bit-identical to an uninterrupted one",
          .timeLimit(.minutes(1)), arguments: [1, 7, 12, 20, 33], [1, 2])
    func resumeIsExact(stopBeforeCall: Int, shards: Int) throws {
        let data = Dataset(clusteredDataset(samples: 400))
        let uninterrupted = try Self.freshTrainer(shards: shards).train(on: data, test: data)

        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        var calls = 0
        let first = try Self.freshTrainer(shards: shards).train(on: data, test: data, checkpoints: store, stopRequested: {
            calls += 1
            return calls == stopBeforeCall
        })
        guard case let .interrupted(stoppedEpoch, stoppedStep) = first.stopReason else {
            Issue.record("expected an interruption, got \(first.stopReason)")
            return
        }
        let (checkpoint, skipped) = store.newestValid()
        #expect(skipped.isEmpty)
        let saved = try #require(checkpoint)
        let resumed = try Trainer(resuming: saved, configuration: Self.settings(shards: shards)).train(on: data, test: data, checkpoints: store)
        #expect(resumed.network.parameters == uninterrupted.network.parameters)
        #expect(resumed.epochs.map(\.epoch) == [1, 2, 3])
        #expect(resumed.epochs.map(\.loss) == uninterrupted.epochs.map(\.loss))
        // 360 training samples in steps of 32; the resumed epoch times the steps it ran.
        #expect(uninterrupted.epochs.map { $0.stepTimes?.steps } == [12, 12, 12])
        #expect(resumed.epochs.map { $0.stepTimes?.steps } == [1, 2, 3].map { $0 == stoppedEpoch ? 12 - stoppedStep : 12 })
    }

    /// Threads change no bit, so a run may resume on another thread count.
    @Test("a run stopped on 2 threads resumes on 1 (and the other way) to the uninterrupted end",
          .timeLimit(.minutes(1)), arguments: [(2, 1), (1, 2)], [1, 2])
    func resumeOnOtherThreads(threads: (first: Int, then: Int), shards: Int) throws {
        let data = Dataset(clusteredDataset(samples: 400))
        let uninterrupted = try Self.freshTrainer(threads: threads.first, shards: shards).train(on: data)
        var calls = 0
        let first = try Self.freshTrainer(threads: threads.first, shards: shards)
        let stopped = try first.train(on: data, stopRequested: {
            calls += 1
            return calls == 17
        })
        #expect(stopped.stopReason == .interrupted(epoch: 2, step: 4))
        let resumed = try Trainer(
            resuming: first.checkpoint, configuration: Self.settings(threads: threads.then, shards: shards))
        #expect(resumed.plan.effectiveThreads == min(threads.then, ShardPlan.availableCores))
        #expect(try resumed.train(on: data).network.parameters == uninterrupted.network.parameters)
    }

    @Test("a checkpoint round-trips through its file")
    func checkpointFileRoundTrip() throws {
        let data = Dataset(clusteredDataset(samples: 200))
        let trainer = try Self.freshTrainer()
        _ = try trainer.train(on: data)
        let checkpoint = trainer.checkpoint
        let decoded = try TrainingCheckpoint(SafeTensors.decode(checkpoint.safeTensors.encoded(), source: "c"), source: "c")
        #expect(decoded == checkpoint)
    }

    @Test("a damaged newest checkpoint is skipped for the previous one")
    func damagedCheckpointSkipped() throws {
        let data = Dataset(clusteredDataset(samples: 200))
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        let summary = try Self.freshTrainer().train(on: data, checkpoints: store)
        #expect(summary.checkpoints.count == 3)
        #expect(store.files().count == 2)  // only the two newest are kept
        let newest = try #require(store.files().last)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: newest)))
        bytes.removeLast(10)
        try Data(bytes).write(to: URL(fileURLWithPath: newest))

        let (checkpoint, skipped) = store.newestValid()
        #expect(skipped.count == 1)
        #expect(skipped.first?.file == newest)
        #expect(checkpoint?.epochsCompleted == 2)
    }

    @Test("resuming with other settings is refused, naming what differs")
    func mismatchedSettings() throws {
        let data = Dataset(clusteredDataset(samples: 100))
        let trainer = try Self.freshTrainer()
        _ = try trainer.train(on: data, stopRequested: { true })
        var other = Self.settings()
        other.learningRate = 0.1
        #expect(throws: ConfigurationError.self) { try Trainer(resuming: trainer.checkpoint, configuration: other) }
        do {
            _ = try Trainer(resuming: trainer.checkpoint, configuration: other)
        } catch {
            #expect(error.parameter == "configuration")
            #expect(error.reason.contains("`learningRate` was 0.05, now 0.1"))
        }
    }

    @Test("a file that is not a checkpoint is refused")
    func notACheckpoint() throws {
        let model = Network(architecture: Self.architecture, seed: 1).safeTensors
        #expect(throws: ModelFileError.self) { try TrainingCheckpoint(model, source: "m") }
    }
}
