/// How the learning rate moves over a run.
public enum LearningRateSchedule: String, CaseIterable, Sendable, Codable {
    /// The same rate throughout.
    case constant
    /// Half a cosine from the initial rate down to zero over all the run's steps.
    case cosine
}

/// The operands of the training step's matrix products.
public enum Precision: String, CaseIterable, Sendable, Codable {
    /// 32-bit floats throughout.
    case fp32
    /// Mixed precision: the forward and backward passes' matrix products take
    /// bfloat16 operands (8 bits of mantissa) and sum in fp32; the weights,
    /// the optimiser, the losses and the softmax stay fp32. The products run
    /// on AMX tiles where the CPU has them, else on AVX512-BF16, else on
    /// operands rounded and multiplied in fp32 (``MachineProfile/bfloat16Path``).
    case bf16
}

/// The settings of a training run.
///
/// The defaults are those of `ann train` but for ``threads``: 1 here, every
/// core for `ann train`. Threads never change the weights, so
/// `ann train --seed` *S* and a ``Trainer`` with these defaults, ``seed`` *S*
/// and a ``Network`` made by ``Network/init(architecture:seed:initialization:)``
/// with seed *S* end with the same weights on the same data. `ann` has no
/// flag for ``inputScale``: it always maps IDX pixels to [0, 1].
///
/// ``seed`` fixes the sample order; <doc:ReproducingARun> says exactly how,
/// and how a network's seed draws its initial weights.
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// Passes over the training set, at most (stopping criteria may end sooner).
    public var epochs = 10
    /// Samples per minibatch; one SGD step per minibatch.
    public var batchSize = 64
    /// The initial step size.
    public var learningRate: Float = 0.05
    /// How the step size changes from step to step.
    public var schedule = LearningRateSchedule.cosine
    /// The fraction of the previous update kept (0 is plain SGD).
    public var momentum: Float = 0.9
    /// L1 penalty on weights (not biases).
    public var l1: Float = 0
    /// L2 penalty (weight decay) on weights (not biases).
    public var l2: Float = 0
    /// Threads to train on. They change how fast a run goes, never its
    /// weights. The default, 1, is the one that differs from `ann train`'s
    /// (every core).
    public var threads = 1
    /// Parts each minibatch is split into, each computing its gradient alone
    /// before they are added in order; nil for one per 512 samples
    /// (``ShardPlan/defaultShards(batchSize:)``). Part of the arithmetic: a
    /// different count rounds differently.
    public var shards: Int?
    /// Fixes the order of samples: the trainer shuffles them every epoch
    /// with a ``SeededGenerator`` seeded with `seed ^ 0x0005EED0F5A3B1E5`
    /// (<doc:ReproducingARun>). `ann train` also seeds the initial weights
    /// with it.
    public var seed: UInt64 = 1
    /// Samples held out of the end of the training set to watch for
    /// overfitting: the last `validationSize` samples in the data's order,
    /// never shuffled or trained on.
    public var validationSize = 0
    /// Stop once accuracy (on the validation split, else the test set) reaches this fraction.
    public var targetAccuracy: Double?
    /// Stop after this many epochs without a better validation accuracy, keeping the best weights.
    public var patience: Int?
    /// Multiplies input bytes into network inputs (1/255 maps pixels to [0, 1]).
    public var inputScale: Float = 1.0 / 255.0
    /// Whether the arithmetic flushes subnormal floats to zero (the default) or keeps them.
    public var subnormals = Subnormals.flush
    /// The operands of the training step's matrix products.
    public var precision = Precision.fp32

    /// The defaults of `ann train`, on one thread.
    public init() {}

    /// Rejects settings that cannot train, naming the property.
    public func validate() throws(ConfigurationError) {
        if epochs < 1 { throw ConfigurationError(parameter: "epochs", reason: "must be at least 1 (got \(epochs))") }
        if epochs > 1_000_000 { throw ConfigurationError(parameter: "epochs", reason: "must be at most 1000000 (got \(epochs))") }
        if batchSize < 1 { throw ConfigurationError(parameter: "batchSize", reason: "must be at least 1 (got \(batchSize))") }
        if batchSize > 1 << 16 { throw ConfigurationError(parameter: "batchSize", reason: "must be at most 65536 (got \(batchSize))") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw ConfigurationError(parameter: "learningRate", reason: "must be a positive number (got \(learningRate))")
        }
        if !(momentum >= 0 && momentum < 1) {
            throw ConfigurationError(parameter: "momentum", reason: "must be in [0, 1) (got \(momentum))")
        }
        if !(l1 >= 0) || !l1.isFinite { throw ConfigurationError(parameter: "l1", reason: "must be zero or positive (got \(l1))") }
        if !(l2 >= 0) || !l2.isFinite { throw ConfigurationError(parameter: "l2", reason: "must be zero or positive (got \(l2))") }
        if let shards, !(1...batchSize).contains(shards) {
            throw ConfigurationError(
                parameter: "shards", reason: "must be between 1 and the batch size, \(batchSize) (got \(shards))")
        }
        if threads < 1 { throw ConfigurationError(parameter: "threads", reason: "must be at least 1 (got \(threads))") }
        if threads > 1024 { throw ConfigurationError(parameter: "threads", reason: "must be at most 1024 (got \(threads))") }
        if validationSize < 0 {
            throw ConfigurationError(parameter: "validationSize", reason: "must be zero or positive (got \(validationSize))")
        }
        if let target = targetAccuracy, !(target > 0 && target <= 1) {
            throw ConfigurationError(parameter: "targetAccuracy", reason: "must be a fraction in (0, 1] (got \(target))")
        }
        if let patience {
            if patience < 1 { throw ConfigurationError(parameter: "patience", reason: "must be at least 1 (got \(patience))") }
            if validationSize == 0 {
                throw ConfigurationError(parameter: "patience", reason: "needs a validation split: set `validationSize` to a number of samples")
            }
        }
    }

    /// The shard count the run uses: ``shards``, or the default for the batch
    /// size, and at least one per process when `processes` train together.
    public func resolvedShards(processes: Int = 1) -> Int {
        shards ?? max(ShardPlan.defaultShards(batchSize: batchSize), processes)
    }
}

extension TrainingConfiguration {
    /// Reads settings saved by any version: a setting it does not find keeps its default.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TrainingConfiguration()
        func read<Value: Decodable>(_ key: CodingKeys, _ fallback: Value) throws -> Value {
            try values.decodeIfPresent(Value.self, forKey: key) ?? fallback
        }
        self.init()
        epochs = try read(.epochs, defaults.epochs)
        batchSize = try read(.batchSize, defaults.batchSize)
        learningRate = try read(.learningRate, defaults.learningRate)
        schedule = try read(.schedule, defaults.schedule)
        momentum = try read(.momentum, defaults.momentum)
        l1 = try read(.l1, defaults.l1)
        l2 = try read(.l2, defaults.l2)
        threads = try read(.threads, defaults.threads)
        shards = try values.decodeIfPresent(Int.self, forKey: .shards)
        seed = try read(.seed, defaults.seed)
        validationSize = try read(.validationSize, defaults.validationSize)
        targetAccuracy = try values.decodeIfPresent(Double.self, forKey: .targetAccuracy)
        patience = try values.decodeIfPresent(Int.self, forKey: .patience)
        inputScale = try read(.inputScale, defaults.inputScale)
        // Settings saved before there was a choice were IEEE's.
        subnormals = try read(.subnormals, Subnormals.keep)
        precision = try read(.precision, defaults.precision)
    }
}
