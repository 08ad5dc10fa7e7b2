@testable import ANN

/// Deterministic pseudo-random test data.
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextSignedUnitFloat() * scale }
}

/// The largest |a − b| / max(1, |b|): absolute near zero, relative for large values.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        if x.isNaN != y.isNaN { return .infinity }
        worst = max(worst, abs(x - y) / max(1, abs(y)))
    }
    return worst
}
