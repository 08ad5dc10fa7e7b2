/// Turns the rows of a CSV file, as the parser hands them over, into a
/// ``TabularDataset``, keeping the line each row starts on for messages. The
/// first fault is kept and later rows ignored, since the parser's callback
/// cannot throw.
final class CSVTableBuilder {
    private let source: String
    private let options: CSVDataset.Options

    /// The 1-based line the next row starts on.
    private(set) var nextLine = 1
    private var failure: DataError?

    /// Settled by the first non-blank row.
    private var columnCount = 0
    private var labelIndex = 0
    private var columnNames: [String]?
    private var columnsAreKnown = false

    private var features: [Float] = []
    private var labelTexts: [String] = []
    private var labelLines: [Int] = []

    init(source: String, options: CSVDataset.Options) {
        self.source = source
        self.options = options
    }

    /// Takes one row of fields.
    func add(_ fields: [String]) {
        let line = nextLine
        // A field's own line breaks (inside quotes) move later rows down.
        nextLine += 1 + fields.reduce(0) { $0 + $1.lineBreakCount }
        guard failure == nil else { return }
        // A blank line parses as one empty field.
        if fields.count == 1, fields[0].allSatisfy(\.isWhitespace) { return }
        do throws(DataError) {
            if !columnsAreKnown {
                columnsAreKnown = true
                if try settleColumns(fields, line: line) { return }
            }
            try addSample(fields, line: line)
        } catch {
            failure = error
        }
    }

    /// The table, or the first fault met.
    func finish() throws(DataError) -> TabularDataset {
        if let failure { throw failure }
        guard columnsAreKnown else { throw DataError(file: source, reason: "is empty: no header and no rows") }
        guard !labelTexts.isEmpty else { throw DataError(file: source, reason: "has a header but no rows of data") }
        let (labels, classNames) = try classIndices()
        let names = columnNames.map { names in names.indices.filter { $0 != labelIndex }.map { names[$0] } }
            ?? (0..<columnCount).filter { $0 != labelIndex }.map { "column \($0)" }
        return try TabularDataset(
            features: features, featureCount: columnCount - 1, labels: labels, featureNames: names,
            classNames: classNames, source: source)
    }

    /// Works out the column count, the label column and whether `fields` is
    /// a header; returns true when it is.
    private func settleColumns(_ fields: [String], line: Int) throws(DataError) -> Bool {
        columnCount = fields.count
        guard columnCount >= 2 else {
            throw DataError(file: source, line: line, reason: "has \(columnCount) column; a label column and at least one feature column are needed")
        }
        let trimmed = fields.map { $0.trimmingWhitespace }
        switch options.labelColumn {
        case .name(let name):
            guard options.header != .absent else {
                throw DataError(file: source, reason: "has no header (as told), so the label column cannot be found by the name '\(name)'; give its index")
            }
            guard let index = trimmed.firstIndex(of: name) else {
                throw DataError(
                    file: source, line: line,
                    reason: "has no column '\(name)'; its columns are \(trimmed.map { "'\($0)'" }.joined(separator: ", "))")
            }
            labelIndex = index
        case .index(let given):
            let index = given < 0 ? columnCount + given : given
            guard (0..<columnCount).contains(index) else {
                throw DataError(file: source, line: line, reason: "has \(columnCount) columns, so there is no label column \(given)")
            }
            labelIndex = index
        case nil:
            labelIndex = columnCount - 1
        }
        let isHeader = switch options.header {
        case .present: true
        case .absent: false
        case .auto:
            options.labelColumn.map { if case .name = $0 { true } else { false } } ?? false
                || trimmed.indices.contains { $0 != labelIndex && Float(trimmed[$0]) == nil }
        }
        if isHeader { columnNames = trimmed }
        return isHeader
    }

    private func addSample(_ fields: [String], line: Int) throws(DataError) {
        guard fields.count == columnCount else {
            throw DataError(
                file: source, line: line,
                reason: "has \(fields.count) fields, but the \(columnNames == nil ? "first row" : "header") has \(columnCount)")
        }
        for (index, field) in fields.enumerated() {
            let text = field.trimmingWhitespace
            if index == labelIndex {
                guard !text.isEmpty else { throw DataError(file: source, line: line, reason: "\(columnName(index)) has no label") }
                labelTexts.append(text)
                labelLines.append(line)
                continue
            }
            guard !text.isEmpty else { throw DataError(file: source, line: line, reason: "\(columnName(index)) has no value") }
            guard let value = Float(text) else {
                throw DataError(file: source, line: line, reason: "\(columnName(index)) is not a number: '\(text)'")
            }
            guard value.isFinite else {
                throw DataError(file: source, line: line, reason: "\(columnName(index)) is not a finite number: '\(text)'")
            }
            features.append(value)
        }
    }

    /// The labels as class indices, and the class names if they were names.
    private func classIndices() throws(DataError) -> ([Int], [String]?) {
        var mode = options.labels
        if mode == .automatic {
            mode = labelTexts.allSatisfy { ClassLabels.index($0) != nil } ? .indices : .names(ClassLabels.sortedNames(labelTexts))
        }
        switch mode {
        case .automatic, .indices:
            var labels: [Int] = []
            labels.reserveCapacity(labelTexts.count)
            for (text, line) in zip(labelTexts, labelLines) {
                guard let index = ClassLabels.index(text) else {
                    throw DataError(
                        file: source, line: line,
                        reason: "label '\(text)' is not a class index in 0...\(ClassLabels.maximumIndex) (the training labels are indices)")
                }
                labels.append(index)
            }
            return (labels, nil)
        case .names(let names):
            let lookup = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            var labels: [Int] = []
            labels.reserveCapacity(labelTexts.count)
            for (text, line) in zip(labelTexts, labelLines) {
                guard let index = lookup[text] else {
                    throw DataError(
                        file: source, line: line,
                        reason: "label '\(text)' is not one of the training classes (\(names.joined(separator: ", ")))")
                }
                labels.append(index)
            }
            return (labels, names)
        }
    }

    /// `column 'petal_width'`, or `column 3` without a header.
    private func columnName(_ index: Int) -> String {
        columnNames.map { "column '\($0[index])'" } ?? "column \(index)"
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks. Most
    /// fields have none, and are told so from their first and last bytes
    /// without Unicode lookups, which would take much of a CSV's parsing time.
    var trimmingWhitespace: String {
        if let first = utf8.first, let last = utf8.last, Self.isPlainASCII(first), Self.isPlainASCII(last) { return self }
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    /// How many line breaks the text holds (a quoted CSV field may).
    var lineBreakCount: Int {
        guard utf8.contains(where: { (0x0A...0x0D).contains($0) || $0 >= 0x80 }) else { return 0 }
        return reduce(0) { $0 + ($1.isNewline ? 1 : 0) }
    }

    /// An ASCII byte that is neither whitespace nor a control character.
    private static func isPlainASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
}
