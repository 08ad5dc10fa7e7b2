/// How features are brought to a common range before training.
public enum Normalization: String, CaseIterable, Sendable {
    /// Features as they are in the file.
    case none
    /// Each feature minus its mean, over its standard deviation.
    case standard
    /// Each feature mapped so that its smallest value is 0 and its largest 1.
    case minmax
}

/// A per-feature affine map, `(x - shift) * scale`, fitted on training data
/// and applied unchanged to every other set (validation, test, new samples),
/// so that no statistic of the test data leaks into training.
public struct FeatureScaling: Sendable, Equatable {
    /// What is subtracted from each feature.
    public let shift: [Float]
    /// What each shifted feature is multiplied by.
    public let scale: [Float]

    /// The identity map on `featureCount` features.
    public init(identityOn featureCount: Int) {
        shift = Array(repeating: 0, count: featureCount)
        scale = Array(repeating: 1, count: featureCount)
    }

    /// Fits `normalization` to the first `rows` samples of `data` (all of them
    /// when nil), in double precision. A constant feature keeps a scale of 1,
    /// so it becomes 0 instead of a division by zero; so does one whose spread
    /// is too small for its reciprocal to be a Float.
    public init(_ normalization: Normalization, fittedTo data: TabularDataset, rows: Int? = nil) {
        let width = data.featureCount
        let count = min(max(rows ?? data.count, 0), data.count)
        var shift = [Float](repeating: 0, count: width), scale = [Float](repeating: 1, count: width)
        for column in 0..<width where count > 0 {
            func value(_ row: Int) -> Double { Double(data.features[row * width + column]) }
            switch normalization {
            case .none:
                break
            case .standard:
                let mean = (0..<count).reduce(0) { $0 + value($1) } / Double(count)
                let variance = (0..<count).reduce(0) { $0 + (value($1) - mean) * (value($1) - mean) } / Double(count)
                shift[column] = Float(mean)
                scale[column] = Self.reciprocal(variance.squareRoot())
            case .minmax:
                let low = (0..<count).reduce(Double.infinity) { min($0, value($1)) }
                let high = (0..<count).reduce(-Double.infinity) { max($0, value($1)) }
                shift[column] = Float(low)
                scale[column] = Self.reciprocal(high - low)
            }
        }
        self.shift = shift
        self.scale = scale
    }

    /// `1 / spread` as a Float, or 1 where that is not finite (a constant
    /// feature, or a spread so small its reciprocal overflows).
    private static func reciprocal(_ spread: Double) -> Float {
        let value = Float(1 / spread)
        return spread > 0 && value.isFinite ? value : 1
    }

    /// Whether the map changes nothing.
    public var isIdentity: Bool { shift.allSatisfy { $0 == 0 } && scale.allSatisfy { $0 == 1 } }

    /// `data` with every feature mapped.
    ///
    /// - Precondition: `data.featureCount == shift.count`.
    public func applied(to data: TabularDataset) -> TabularDataset {
        precondition(data.featureCount == shift.count, "scaling of \(shift.count) features applied to \(data.featureCount)")
        var copy = data
        let width = shift.count
        for index in copy.features.indices {
            let column = index % width
            copy.features[index] = (copy.features[index] - shift[column]) * scale[column]
        }
        return copy
    }
}
