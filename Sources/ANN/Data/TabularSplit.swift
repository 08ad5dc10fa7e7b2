extension TabularDataset {
    /// Splits the samples into a training and a test part, holding out
    /// `testFraction` of each class (rounded; at least one of every class
    /// with two samples or more, never all of one), so that a file sorted by
    /// class still tests every class in its proportion.
    ///
    /// The choice depends on `seed` alone. The training part comes shuffled,
    /// so that a validation split taken from its end is a random one too; the
    /// test part keeps the file's order.
    ///
    /// - Parameters:
    ///   - testFraction: in (0, 1); values outside are clamped.
    ///   - seed: chooses the held-out samples, independently of training's seed.
    ///   - source: the data's name in error messages.
    /// - Throws: ``DataError`` naming `source` when either part would be empty.
    public func split(
        testFraction: Double, seed: UInt64, source: String = "in-memory table"
    ) throws(DataError) -> (training: TabularDataset, test: TabularDataset) {
        let fraction = min(max(testFraction, 0), 1)
        var byClass: [Int: [Int]] = [:]
        for (row, label) in labels.enumerated() { byClass[label, default: []].append(row) }

        var generator = SeededGenerator(seed: seed)
        var trainingRows: [Int] = [], testRows: [Int] = []
        for label in byClass.keys.sorted() {
            var rows = byClass[label] ?? []
            generator.shuffle(&rows)
            let wanted = Int((Double(rows.count) * fraction).rounded())
            let held = rows.count < 2 ? 0 : min(max(wanted, 1), rows.count - 1)
            testRows += rows[..<held]
            trainingRows += rows[held...]
        }
        guard !trainingRows.isEmpty, !testRows.isEmpty else {
            throw DataError(
                file: source,
                reason: "its \(count) samples are too few to hold out a test part of \(testFraction) and still train")
        }
        testRows.sort()
        generator.shuffle(&trainingRows)
        return (rows(trainingRows), rows(testRows))
    }

    /// The samples in an order that depends on `seed` alone, so that a
    /// validation split taken from the end of a file sorted by class is a
    /// random one.
    public func shuffled(seed: UInt64) -> TabularDataset {
        var order = Array(0..<count), generator = SeededGenerator(seed: seed)
        generator.shuffle(&order)
        return rows(order)
    }
}
