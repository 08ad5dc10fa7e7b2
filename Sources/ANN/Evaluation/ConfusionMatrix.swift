/// Counts of (true class, predicted class) pairs.
///
/// Rows are true classes and columns predicted classes, so the diagonal holds
/// the correct predictions.
public struct ConfusionMatrix: Sendable, Equatable {
    /// The number of classes; classes are `0..<classCount`.
    public let classCount: Int
    /// The counts, row-major: `counts[trueClass * classCount + predicted]`.
    public private(set) var counts: [Int]

    /// An empty matrix for `classCount` classes.
    ///
    /// - Precondition: `classCount > 0`.
    public init(classCount: Int) {
        precondition(classCount > 0, "a confusion matrix needs at least one class, got \(classCount)")
        self.classCount = classCount
        self.counts = Array(repeating: 0, count: classCount * classCount)
    }

    /// A matrix from counts already gathered (row = true class), as the
    /// evaluation workers produce them.
    init(classCount: Int, counts: [Int]) {
        precondition(counts.count == classCount * classCount, "engine bug: confusion counts of the wrong size")
        self.classCount = classCount
        self.counts = counts
    }

    /// Counts one sample of `trueClass` that was predicted as `predicted`.
    ///
    /// - Precondition: Both classes are in `0..<classCount`.
    public mutating func record(trueClass: Int, predicted: Int) {
        counts[index(trueClass: trueClass, predicted: predicted)] += 1
    }

    /// Adds the counts of `other`, e.g. from another batch or thread.
    ///
    /// - Precondition: `other.classCount == classCount`.
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(
            other.classCount == classCount,
            "cannot merge a \(other.classCount)-class confusion matrix into a \(classCount)-class one")
        for position in counts.indices {
            counts[position] += other.counts[position]
        }
    }

    /// The number of samples of `trueClass` predicted as `predicted`.
    public subscript(trueClass trueClass: Int, predicted predicted: Int) -> Int {
        counts[index(trueClass: trueClass, predicted: predicted)]
    }

    /// The number of samples of `trueClass` predicted as `predicted`: `matrix[row, column]`.
    public subscript(trueClass: Int, predicted: Int) -> Int {
        self[trueClass: trueClass, predicted: predicted]
    }

    /// The number of recorded samples.
    public var total: Int { counts.reduce(0, +) }

    /// The number of samples predicted as their true class.
    public var correct: Int { (0..<classCount).reduce(0) { $0 + self[trueClass: $1, predicted: $1] } }

    /// The fraction of samples predicted correctly, in 0...1; 0 when nothing was recorded.
    public var accuracy: Double {
        let total = total
        return total == 0 ? 0 : Double(correct) / Double(total)
    }

    /// The number of samples whose true class is `cls` (the row sum).
    public func support(of cls: Int) -> Int {
        (0..<classCount).reduce(0) { $0 + self[trueClass: cls, predicted: $1] }
    }

    /// The number of samples predicted as `cls` (the column sum).
    public func predictedCount(of cls: Int) -> Int {
        (0..<classCount).reduce(0) { $0 + self[trueClass: $1, predicted: cls] }
    }

    private func index(trueClass: Int, predicted: Int) -> Int {
        precondition(
            (0..<classCount).contains(trueClass) && (0..<classCount).contains(predicted),
            "class out of range 0..<\(classCount): true \(trueClass), predicted \(predicted)")
        return trueClass * classCount + predicted
    }
}
