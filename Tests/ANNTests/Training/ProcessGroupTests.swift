import Foundation
import Testing
@testable import ANN

/// Processes training together (threads standing in for them here, as MPI
/// ranks in `MPI/`): every process must end every step with the weights of
/// one process running every shard, whatever the processes and threads.
@Suite("Training across processes", .serialized, .timeLimit(.minutes(2)))
struct ProcessGroupTests {
    static let architecture = try! NetworkArchitecture(layerSizes: [16, 12, 4])

    static func settings(shards: Int?, threads: Int = 1, epochs: Int = 2) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.epochs = epochs
        settings.batchSize = 32
        settings.learningRate = 0.1
        settings.seed = 9
        settings.shards = shards
        settings.threads = threads
        return settings
    }

    static func alone(shards: Int, epochs: Int = 2) throws -> [Float] {
        let trainer = try Trainer(
            network: Network(architecture: architecture, seed: 9), configuration: settings(shards: shards, epochs: epochs))
        return try trainer.train(on: clusteredDataset(samples: 400)).network.parameters
    }

    /// Each process's trained weights, or its error.
    static func together(
        processes: Int, shards: Int?, threads: Int = 1, epochs: Int = 2,
        data: @escaping @Sendable (Int) -> LabeledDataset = { _ in clusteredDataset(samples: 400) }
    ) -> [Result<[Float], TrainingError>] {
        let group = LocalProcessHub(size: processes).processes()
        let shared = ShardAccess(group)
        return onEveryRank(processes) { rank in
            Result { () throws(TrainingError) -> [Float] in
                let trainer: Trainer
                do throws(ConfigurationError) {
                    trainer = try Trainer(
                        network: Network(architecture: architecture, seed: 9),
                        configuration: settings(shards: shards, threads: threads, epochs: epochs),
                        group: shared.value[rank])
                } catch {
                    throw .configuration(error)
                }
                return try trainer.train(on: data(rank)).network.parameters
            }
        }
    }

    @Test("1, 2 and 3 processes, 1 or 2 threads each, give the weights of one process, bit for bit",
          arguments: [(1, 1), (2, 1), (2, 2), (3, 1)], [6, 5])
    func sameBitsEverywhere(run: (processes: Int, threads: Int), shards: Int) throws {
        let reference = try Self.alone(shards: shards)
        let results = Self.together(processes: run.processes, shards: shards, threads: run.threads)
        #expect(results.count == run.processes)
        for (rank, result) in results.enumerated() {
            #expect(try result.get() == reference, "process \(rank) of \(run.processes)")
        }
    }

    @Test("without --shards, a group gets at least one shard per process")
    func defaultShardsPerProcess() throws {
        let reference = try Self.alone(shards: 3, epochs: 1)
        for result in Self.together(processes: 3, shards: nil, epochs: 1) {
            #expect(try result.get() == reference)
        }
    }

    @Test("more processes than shards, or than samples in a minibatch, are refused by name")
    func tooManyProcesses() {
        let fewShards = Self.together(processes: 3, shards: 2)
        for result in fewShards {
            guard case .failure(.configuration(let error)) = result else {
                Issue.record("expected a refusal, got \(result)")
                continue
            }
            #expect(error.parameter == "shards")
            #expect(error.reason == "3 processes need at least 3 shards, one each (got 2)")
        }
    }

    @Test("a process with other data stops every process, each naming it")
    func differentData() {
        let results = Self.together(processes: 2, shards: 2) { rank in clusteredDataset(samples: rank == 1 ? 399 : 400) }
        for result in results {
            guard case .failure(.processGroup(let error)) = result else {
                Issue.record("expected a refusal, got \(result)")
                continue
            }
            #expect(error.reason == "process 1 does not train what process 0 does: its training samples is 399, process 0's 400")
        }
    }

    @Test("a process that leaves the group stops the others with an error, not a hang")
    func processLeaves() {
        let hub = LocalProcessHub(size: 2)
        let shared = ShardAccess(hub.processes())
        let results = onEveryRank(2) { rank -> Result<[Float], TrainingError> in
            Result { () throws(TrainingError) -> [Float] in
                let trainer = try! Trainer(
                    network: Network(architecture: Self.architecture, seed: 9),
                    configuration: Self.settings(shards: 2), group: shared.value[rank])
                var steps = 0
                return try trainer.train(on: clusteredDataset(samples: 400), progress: { event in
                    guard case .batch = event else { return }
                    steps += 1
                    if rank == 1 && steps == 3 { hub.fail(rank: 1) }
                }).network.parameters
            }
        }
        for result in results {
            guard case .failure(.processGroup(let error)) = result else {
                Issue.record("expected the group to break, got \(result)")
                continue
            }
            #expect(error.reason == "process 1 left the group")
        }
    }

    /// A stop asked of one process only is agreed in the next exchange: every
    /// process stops after the same step, and a checkpoint from any of them
    /// resumes, in a group of another size or alone, to the end of the
    /// uninterrupted run.
    @Test("a stop asked of one process stops all after the same step; the checkpoint resumes anywhere")
    func stopAndResume() throws {
        let reference = try Self.alone(shards: 6)
        let hub = LocalProcessHub(size: 2)
        let shared = ShardAccess(hub.processes())
        let checkpoints = onEveryRank(2) { rank -> TrainingCheckpoint? in
            let trainer = try! Trainer(
                network: Network(architecture: Self.architecture, seed: 9),
                configuration: Self.settings(shards: 6), group: shared.value[rank])
            var asked = 0
            let summary = try? trainer.train(on: clusteredDataset(samples: 400), stopRequested: {
                asked += 1
                return rank == 1 && asked == 5
            })
            return summary?.stopReason == .interrupted(epoch: 1, step: 5) ? trainer.checkpoint : nil
        }
        let saved = try #require(checkpoints[0])
        let other = try #require(checkpoints[1])
        // The same point of the run on both (the clock apart).
        #expect(other.parameters == saved.parameters && other.velocity == saved.velocity)
        #expect(other.stepInEpoch == saved.stepInEpoch && other.position.epochLossSum == saved.position.epochLossSum)
        let alone = try Trainer(resuming: saved, configuration: Self.settings(shards: 6))
        #expect(try alone.train(on: clusteredDataset(samples: 400)).network.parameters == reference)
        let three = LocalProcessHub(size: 3).processes()
        let sharedThree = ShardAccess(three)
        let resumed = onEveryRank(3) { rank -> [Float]? in
            let trainer = try? Trainer(
                resuming: saved, configuration: Self.settings(shards: 6), group: sharedThree.value[rank])
            return try? trainer?.train(on: clusteredDataset(samples: 400)).network.parameters
        }
        #expect(resumed == [reference, reference, reference])
    }
}
