import Foundation

/// Everything needed to continue a run exactly where it stopped: weights,
/// optimiser velocity, the sample-order generator, the position in the run,
/// early-stopping state, the settings and the history so far.
///
/// Stored as safetensors (`layers.N.weight` / `layers.N.bias` like a model,
/// plus `optimizer.velocity` and, with patience, `best.parameters`), the rest
/// in `__metadata__`.
public struct TrainingCheckpoint: Sendable, Equatable {
    /// The network's shape.
    public internal(set) var architecture: NetworkArchitecture
    /// The settings of the run, which a resume must repeat.
    public internal(set) var configuration: TrainingConfiguration
    /// The weights at the stop.
    public internal(set) var parameters: [Float]
    /// The momentum buffer at the stop.
    public internal(set) var velocity: [Float]
    /// The best weights so far, when patience is on.
    public internal(set) var bestParameters: [Float]?
    /// Where the run stood: position, generator, partial sums, history.
    var position: RunPosition
    /// The run it belongs to: its shape, settings and training data.
    public internal(set) var run: RunIdentity?
    /// Whole epochs finished before the stop.
    public var epochsCompleted: Int { position.epochsCompleted }
    /// Minibatches already done in the next epoch (0 at an epoch boundary).
    public var stepInEpoch: Int { position.stepInEpoch }
    /// Reports of the finished epochs.
    public var history: [EpochReport] { position.history }

    static let format = "swift-ann-checkpoint"

    /// The checkpoint as a safetensors document.
    public var safeTensors: SafeTensors {
        let model = Network(architecture: architecture, ownParameters: parameters).safeTensors
        var tensors = model.tensors
        tensors.append(Tensor(name: "optimizer.velocity", shape: [velocity.count], values: velocity))
        if let bestParameters {
            tensors.append(Tensor(name: "best.parameters", shape: [bestParameters.count], values: bestParameters))
        }
        var metadata = model.metadata
        metadata["format"] = Self.format
        metadata["settings"] = Self.json(configuration)
        metadata["history"] = Self.json(history)
        metadata["epochs_completed"] = String(epochsCompleted)
        metadata["step_in_epoch"] = String(stepInEpoch)
        metadata["shuffler"] = position.epochStartShuffler.words.map { String($0, radix: 16) }.joined(separator: ",")
        metadata["epoch_loss_sum"] = String(position.epochLossSum.bitPattern, radix: 16)
        metadata["epoch_correct"] = String(position.epochCorrect)
        metadata["epoch_seconds"] = String(position.epochSeconds.bitPattern, radix: 16)
        metadata["best_accuracy"] = String(position.bestAccuracy.bitPattern, radix: 16)
        metadata["epochs_since_best"] = String(position.epochsSinceBest)
        if let run {
            metadata["run_settings"] = run.settings
            metadata["run_data"] = run.data
        }
        metadata[CheckpointChecksum.key] = CheckpointChecksum.of(tensors: tensors, metadata: metadata)
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    /// Reads a checkpoint back, checking every field.
    public init(_ file: SafeTensors, source: String) throws(ModelFileError) {
        func fail(_ reason: String) -> ModelFileError { ModelFileError(file: source, reason: reason) }
        let metadata = file.metadata
        guard metadata["format"] == Self.format else { throw fail("not a swift-ann checkpoint (no format \"\(Self.format)\")") }
        let checksum = CheckpointChecksum.of(tensors: file.tensors, metadata: metadata)
        guard let saved = metadata[CheckpointChecksum.key] else { throw fail("carries no checksum") }
        guard saved == checksum else {
            throw fail("is damaged: its contents sum to \(checksum), its checksum says \(saved)")
        }
        let modelTensors = file.tensors.filter { $0.name.hasPrefix("layers.") }
        let network = try Network(SafeTensors(tensors: modelTensors, metadata: metadata), source: source)
        guard let velocity = file.tensor(named: "optimizer.velocity")?.values, velocity.count == network.parameters.count else {
            throw fail("optimizer.velocity is missing or does not match the network's \(network.parameters.count) parameters")
        }
        let best = file.tensor(named: "best.parameters")?.values
        if let best, best.count != network.parameters.count { throw fail("best.parameters does not match the network") }
        guard let configuration: TrainingConfiguration = Self.decode(metadata["settings"]) else { throw fail("settings are missing or malformed") }
        guard let history: [EpochReport] = Self.decode(metadata["history"]) else { throw fail("history is missing or malformed") }
        guard let epochs = metadata["epochs_completed"].flatMap({ Int($0) }), epochs >= 0,
              let step = metadata["step_in_epoch"].flatMap({ Int($0) }), step >= 0,
              let correct = metadata["epoch_correct"].flatMap({ Int($0) }),
              let sinceBest = metadata["epochs_since_best"].flatMap({ Int($0) }),
              let lossBits = metadata["epoch_loss_sum"].flatMap({ UInt64($0, radix: 16) }),
              let secondBits = metadata["epoch_seconds"].flatMap({ UInt64($0, radix: 16) }),
              let bestBits = metadata["best_accuracy"].flatMap({ UInt64($0, radix: 16) })
        else { throw fail("the position fields in __metadata__ are missing or malformed") }
        // A position no run reaches, or values no training produces, mean a
        // damaged or edited file: refuse it rather than resume from it.
        let lossSum = Double(bitPattern: lossBits), seconds = Double(bitPattern: secondBits)
        guard epochs <= configuration.epochs, (0...configuration.epochs).contains(sinceBest),
              step <= 1 << 32, correct >= 0, correct <= step * configuration.batchSize,
              lossSum.isFinite, lossSum >= 0, seconds.isFinite, seconds >= 0, history.count == epochs
        else { throw fail("the position fields in __metadata__ are out of range (a damaged or edited checkpoint)") }
        guard network.parameters.allSatisfy(\.isFinite), velocity.allSatisfy(\.isFinite),
              best?.allSatisfy(\.isFinite) ?? true
        else { throw fail("holds a weight or velocity that is not finite") }
        let words = (metadata["shuffler"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard let shuffler = SeededGenerator(words: words) else { throw fail("the shuffler state is malformed") }
        if let settings = metadata["run_settings"], let data = metadata["run_data"] {
            guard settings.count == 8, data.count == 8, UInt32(settings, radix: 16) != nil, UInt32(data, radix: 16) != nil
            else { throw fail("the run identity in __metadata__ is malformed") }
            run = RunIdentity(settings: settings, data: data)
        } else {
            run = nil
        }
        architecture = network.architecture
        self.configuration = configuration
        parameters = network.parameters
        self.velocity = velocity
        bestParameters = best
        position = RunPosition(
            epochsCompleted: epochs, stepInEpoch: step, history: history, epochStartShuffler: shuffler,
            epochLossSum: lossSum, epochCorrect: correct,
            epochSeconds: seconds, bestAccuracy: Double(bitPattern: bestBits),
            epochsSinceBest: sinceBest)
    }

    init(
        architecture: NetworkArchitecture, configuration: TrainingConfiguration, parameters: [Float],
        velocity: [Float], bestParameters: [Float]?, position: RunPosition, run: RunIdentity?
    ) {
        self.run = run
        self.architecture = architecture
        self.configuration = configuration
        self.parameters = parameters
        self.velocity = velocity
        self.bestParameters = bestParameters
        self.position = position
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private static func decode<T: Decodable>(_ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// Where a run stands between minibatches, beyond its weights and momentum:
/// what a trainer advances and a checkpoint saves.
struct RunPosition: Sendable, Equatable {
    /// Whole epochs finished.
    var epochsCompleted = 0
    /// Minibatches done in the epoch in progress.
    var stepInEpoch = 0
    /// Reports of the finished epochs.
    var history: [EpochReport] = []
    /// The shuffler as it was at the start of the epoch in progress, which
    /// rebuilds that epoch's sample order.
    var epochStartShuffler: SeededGenerator
    /// Partial sums of the epoch in progress.
    var epochLossSum = 0.0
    var epochCorrect = 0
    var epochSeconds = 0.0
    /// Early-stopping state.
    var bestAccuracy = -1.0
    var epochsSinceBest = 0
}
