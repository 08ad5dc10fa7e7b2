/// Turns the records of a CSV file, as `CSVRecordReader` splits them, into
/// a `TabularDataset`, naming the line a record starts on in messages.
struct CSVTableBuilder {
    private let source: String
    private let options: CSVDataset.Options

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

    /// Takes one record of `reader`'s, which starts on `line`.
    mutating func add(_ fields: [CSVField], line: Int, of reader: CSVRecordReader) throws(DataError) {
        // A blank line is one empty field.
        if fields.count == 1, try Self.text(fields[0], of: reader).isEmpty { return }
        if !columnsAreKnown {
            columnsAreKnown = true
            var texts: [String] = []
            for field in fields { texts.append(try Self.text(field, of: reader)) }
            if try settleColumns(texts, line: line) { return }
        }
        try addSample(fields, line: line, of: reader)
    }

    /// The table.
    func finish() throws(DataError) -> TabularDataset {
        guard columnsAreKnown else { throw DataError(file: source, reason: "is empty: no header and no rows") }
        guard !labelTexts.isEmpty else { throw DataError(file: source, reason: "has a header but no rows of data") }
        let (labels, classNames) = try classIndices()
        let names = columnNames.map { names in names.indices.filter { $0 != labelIndex }.map { names[$0] } }
            ?? (0..<columnCount).filter { $0 != labelIndex }.map { "column \($0)" }
        return try TabularDataset(
            features: features, featureCount: columnCount - 1, labels: labels, featureNames: names,
            classNames: classNames, source: source)
    }

    /// Works out the column count, the label column and whether the first
    /// record's `trimmed` fields are a header; returns true when they are.
    private mutating func settleColumns(_ trimmed: [String], line: Int) throws(DataError) -> Bool {
        columnCount = trimmed.count
        guard columnCount >= 2 else {
            throw DataError(file: source, line: line, reason: "has \(columnCount) column; a label column and at least one feature column are needed")
        }
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

    private mutating func addSample(_ fields: [CSVField], line: Int, of reader: CSVRecordReader) throws(DataError) {
        guard fields.count == columnCount else {
            throw DataError(
                file: source, line: line,
                reason: "has \(fields.count) fields, but the \(columnNames == nil ? "first row" : "header") has \(columnCount)")
        }
        for (index, field) in fields.enumerated() {
            if index == labelIndex {
                let text = try Self.text(field, of: reader)
                guard !text.isEmpty else { throw DataError(file: source, line: line, reason: "\(columnName(index)) has no label") }
                labelTexts.append(text)
                labelLines.append(line)
                continue
            }
            features.append(try reader.withText(field) { text throws(DataError) in try feature(text, column: index, line: line) })
        }
    }

    /// A feature field's value. Most fields are plain ASCII from first byte to
    /// last and are read without a `String`; others are trimmed as text first.
    private func feature(_ text: UnsafeBufferPointer<UInt8>, column: Int, line: Int) throws(DataError) -> Float {
        let value: Float?
        if let first = text.first, let last = text.last, String.isPlainASCII(first), String.isPlainASCII(last) {
            value = DecimalText.float(text)
        } else {
            let trimmed = Self.string(text)
            guard !trimmed.isEmpty else { throw DataError(file: source, line: line, reason: "\(columnName(column)) has no value") }
            value = Float(trimmed)
        }
        guard let value else {
            throw DataError(file: source, line: line, reason: "\(columnName(column)) is not a number: '\(Self.string(text))'")
        }
        guard value.isFinite else {
            throw DataError(file: source, line: line, reason: "\(columnName(column)) is not a finite number: '\(Self.string(text))'")
        }
        return value
    }

    /// `field`'s text without surrounding whitespace.
    private static func text(_ field: CSVField, of reader: CSVRecordReader) throws(DataError) -> String {
        try reader.withText(field) { text throws(DataError) in string(text) }
    }

    /// A field's text without surrounding whitespace.
    private static func string(_ text: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: text, as: UTF8.self).trimmingWhitespace
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

    /// An ASCII byte that is neither whitespace nor a control character.
    static func isPlainASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
}
