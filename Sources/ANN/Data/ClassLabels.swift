/// How the class labels of a table are read: as class indices, or as names
/// numbered in sorted order.
public enum ClassLabels: Sendable, Equatable {
    /// Indices if every label is a whole number in `0...maximumIndex`, else
    /// names: what a training file is read with.
    case automatic
    /// Every label must be a class index.
    case indices
    /// Every label must be one of these names; class `i` is `names[i]`. What a
    /// test file is read with when its training file had names.
    case names([String])

    /// The largest class index accepted, so that a stray large number cannot
    /// make a classifier millions of outputs wide.
    public static let maximumIndex = 65_535

    /// `text` as a class index: a whole number (`3` or `3.0`) in `0...maximumIndex`.
    static func index(_ text: String) -> Int? {
        if let value = Int(text) { return (0...maximumIndex).contains(value) ? value : nil }
        guard let value = Double(text), value.rounded() == value, value >= 0, value <= Double(maximumIndex) else { return nil }
        return Int(value)
    }

    /// The distinct `labels` in sorted order: numerically when every one is a
    /// finite number, else as text.
    static func sortedNames(_ labels: some Sequence<String>) -> [String] {
        let distinct = Array(Set(labels))
        let numbers = distinct.compactMap { Double($0) }.filter(\.isFinite)
        guard numbers.count == distinct.count else { return distinct.sorted() }
        return distinct.sorted { (Double($0) ?? 0, $0) < (Double($1) ?? 0, $1) }
    }
}
