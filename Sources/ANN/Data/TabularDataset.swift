/// A classification table read from a CSV or NumPy file: one row of float
/// features and one class index per sample, with the names that make its
/// columns and classes readable again.
///
/// Turn it into what a ``Trainer`` takes with ``dataset()``; split it with
/// ``split(testFraction:seed:source:)`` and scale it with ``FeatureScaling``.
public struct TabularDataset: Sendable, Equatable {
    /// `count × featureCount` features, row-major.
    public var features: [Float]
    /// Features per sample.
    public let featureCount: Int
    /// One class index per sample, each in `0..<classCount`.
    public var labels: [Int]
    /// A name per feature column: the CSV header's, else `column N` (0-based, as
    /// in the file), so messages and reports can say which input is which.
    public let featureNames: [String]
    /// The class names, when the file had names rather than indices: class `i`
    /// is `classNames[i]`, numbered in sorted order. `nil` for integer labels.
    public let classNames: [String]?

    /// Number of samples.
    public var count: Int { labels.count }

    /// The output width a classifier needs: the class names, else the largest
    /// label plus one.
    public var classCount: Int { classNames?.count ?? labels.max().map { $0 + 1 } ?? 0 }

    /// Checks that the arrays agree before anything indexes them.
    ///
    /// - Throws: ``DataError`` naming `source` when `features` does not hold
    ///   `labels.count × featureCount` values, `featureNames` is not
    ///   `featureCount` long, or a label is negative or beyond `classNames`.
    public init(
        features: [Float], featureCount: Int, labels: [Int], featureNames: [String]? = nil,
        classNames: [String]? = nil, source: String = "in-memory table"
    ) throws(DataError) {
        guard featureCount > 0 else { throw DataError(file: source, reason: "has no feature columns") }
        let (expected, overflow) = labels.count.multipliedReportingOverflow(by: featureCount)
        guard !overflow, expected == features.count else {
            throw DataError(
                file: source,
                reason: "\(labels.count) labels of \(featureCount) features need \(labels.count) × \(featureCount) values, but \(features.count) were given")
        }
        let names = featureNames ?? (0..<featureCount).map { "column \($0)" }
        guard names.count == featureCount else {
            throw DataError(file: source, reason: "\(names.count) feature names for \(featureCount) features")
        }
        let limit = classNames?.count ?? Int(Int32.max)
        if let bad = labels.first(where: { $0 < 0 || $0 >= limit }) {
            throw DataError(file: source, reason: "label \(bad) is not a class index in 0..<\(limit)")
        }
        self.features = features
        self.featureCount = featureCount
        self.labels = labels
        self.featureNames = names
        self.classNames = classNames
    }

    /// The samples at `rows`, in that order, with the same names.
    public func rows(_ rows: [Int]) -> TabularDataset {
        var copy = self
        copy.features = []
        copy.features.reserveCapacity(rows.count * featureCount)
        for row in rows {
            copy.features.append(contentsOf: features[(row * featureCount)..<((row + 1) * featureCount)])
        }
        copy.labels = rows.map { labels[$0] }
        return copy
    }

    /// The table as training or test data: float features, class targets.
    public func dataset() throws(DataError) -> Dataset {
        try Dataset(features: features, featureCount: featureCount, labels: labels)
    }
}
