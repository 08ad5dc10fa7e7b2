/// Samples to train or evaluate on, held in memory: a feature vector per
/// sample and either a class label or a vector of target values.
///
/// Build one from your own arrays, or from an IDX data set with
/// ``init(_:inputScale:)``. Features may stay bytes (scaled to floats per
/// minibatch, four times less memory) or be floats already.
public struct Dataset: Sendable {
    /// How the features are stored.
    public enum Features: Sendable {
        /// `count × featureCount` bytes, multiplied by `scale` on the way in.
        case bytes([UInt8], scale: Float)
        /// `count × featureCount` floats, used as they are.
        case floats([Float])
    }

    /// What each sample should produce.
    public enum Targets: Sendable {
        /// A class index per sample, for classification.
        case classes([Int32])
        /// `count × width` target values per sample, for regression with MSE.
        case values([Float], width: Int)
    }

    /// Number of samples.
    public let count: Int
    /// Features per sample: the network's input size.
    public let featureCount: Int
    /// The inputs, sample-major.
    public let features: Features
    /// What each sample should produce.
    public let targets: Targets
    /// The largest class plus one (0 for regression targets).
    public let classCount: Int

    /// A classification set from float features (row-major, `featureCount` per
    /// sample) and one class index per sample.
    public init(features: [Float], featureCount: Int, labels: [Int]) throws(DataError) {
        guard let classes = Self.checkedClasses(labels) else {
            throw Self.fault("labels must lie in 0..<\(Int32.max)")
        }
        try self.init(features: .floats(features), featureCount: featureCount, targets: .classes(classes))
    }

    /// A regression set: `targetWidth` target values per sample.
    public init(features: [Float], featureCount: Int, targets: [Float], targetWidth: Int) throws(DataError) {
        try self.init(features: .floats(features), featureCount: featureCount, targets: .values(targets, width: targetWidth))
    }

    /// An IDX data set, its bytes scaled by `inputScale` (1/255 maps pixels to [0, 1]).
    public init(_ labeled: LabeledDataset, inputScale: Float = 1.0 / 255.0) {
        count = labeled.count
        featureCount = labeled.featureCount
        features = .bytes(labeled.pixels, scale: inputScale)
        targets = .classes(labeled.labels.map { Int32($0) })
        classCount = labeled.classCount
    }

    /// Checks that every array agrees with `count` samples.
    public init(features: Features, featureCount: Int, targets: Targets) throws(DataError) {
        guard featureCount > 0 else { throw Self.fault("featureCount must be at least 1 (got \(featureCount))") }
        let samples: Int
        switch targets {
        case .classes(let labels):
            samples = labels.count
            guard labels.allSatisfy({ $0 >= 0 }) else { throw Self.fault("labels must not be negative") }
        case .values(let values, let width):
            guard width > 0, values.count % width == 0 else {
                throw Self.fault("\(values.count) target values do not split into rows of \(width)")
            }
            samples = values.count / width
        }
        let given = switch features {
        case .bytes(let bytes, _): bytes.count
        case .floats(let floats): floats.count
        }
        let (expected, overflow) = samples.multipliedReportingOverflow(by: featureCount)
        guard !overflow, expected == given else {
            throw Self.fault("\(samples) samples of \(featureCount) features need \(samples) × \(featureCount) values, but \(given) were given")
        }
        count = samples
        self.featureCount = featureCount
        self.features = features
        self.targets = targets
        if case .classes(let labels) = targets {
            classCount = labels.max().map { Int($0) + 1 } ?? 0
        } else {
            classCount = 0
        }
    }

    /// Whether targets are class labels.
    public var isClassification: Bool {
        if case .classes = targets { return true }
        return false
    }

    private static func fault(_ reason: String) -> DataError { DataError(file: "in-memory dataset", reason: reason) }

    private static func checkedClasses(_ labels: [Int]) -> [Int32]? {
        var classes: [Int32] = []
        classes.reserveCapacity(labels.count)
        for label in labels {
            guard label >= 0, label < Int(Int32.max) else { return nil }
            classes.append(Int32(label))
        }
        return classes
    }
}
