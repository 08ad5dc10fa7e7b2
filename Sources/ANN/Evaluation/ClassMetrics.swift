extension ConfusionMatrix {
    /// Of the samples predicted as `cls`, the fraction that truly are `cls`;
    /// nil when nothing was predicted as `cls`.
    public func precision(of cls: Int) -> Double? {
        let predicted = predictedCount(of: cls)
        guard predicted > 0 else { return nil }
        return Double(self[trueClass: cls, predicted: cls]) / Double(predicted)
    }

    /// Of the samples of `cls`, the fraction predicted as `cls`;
    /// nil when there is no sample of `cls`.
    public func recall(of cls: Int) -> Double? {
        let support = support(of: cls)
        guard support > 0 else { return nil }
        return Double(self[trueClass: cls, predicted: cls]) / Double(support)
    }

    /// The harmonic mean of precision and recall, 2·TP / (2·TP + FP + FN).
    ///
    /// Computed from the counts so that a class that has samples but is never
    /// predicted scores 0 rather than being left out of ``macroF1``. Nil only
    /// when `cls` neither occurs nor is predicted.
    public func f1(of cls: Int) -> Double? {
        let truePositives = self[trueClass: cls, predicted: cls]
        let denominator = support(of: cls) + predictedCount(of: cls)
        guard denominator > 0 else { return nil }
        return Double(2 * truePositives) / Double(denominator)
    }

    /// The unweighted mean of the defined per-class F1 scores; nil when none is defined.
    public var macroF1: Double? {
        let scores = (0..<classCount).compactMap { f1(of: $0) }
        guard !scores.isEmpty else { return nil }
        return scores.reduce(0, +) / Double(scores.count)
    }
}
