/// One field of a CSV record, as UTF-8 bytes: a stretch of the input, or,
/// for a quoted field, of the reader's unquoted copy (quotes removed,
/// doubled quotes made single).
struct CSVField {
    let start: Int
    let end: Int
    let isUnquotedCopy: Bool
}

/// Why a CSV file was refused as text, and the line it was met on.
struct CSVSyntaxError: Error {
    let line: Int
    let reason: String
}

/// Splits CSV text, as UTF-8 bytes, into records of fields, byte by byte (a
/// character-level parser spent most of a large file's reading time on
/// Unicode lookups). The dialect:
///
/// - a leading byte order mark is skipped;
/// - records end at LF, CR LF or a lone CR; the last may lack one;
/// - spaces and tabs before a field are skipped (those after it are the
///   caller's to trim);
/// - a field that starts with `"` is quoted: it runs to the next lone `"`,
///   `""` inside stands for one, and delimiters and line breaks inside are
///   text; after the closing quote only spaces and tabs may come before the
///   delimiter or the line's end;
/// - a `"` inside an unquoted field is refused, as is a quoted field that
///   is never closed, and a NUL byte anywhere (`Float(String)` would stop
///   at it and read "1<NUL>5" as 1).
///
/// A blank line is a record of one empty field.
struct CSVRecordReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let delimiter: [UInt8]
    private var position: Int
    private var line = 1
    /// The quoted fields of the current record, unquoted.
    private(set) var unquoted: [UInt8] = []

    // Literals, not stored statics: a static is fetched through a lazy
    // initialiser check on every use, in the hottest loop of the read.
    private static var quote: UInt8 { 0x22 }
    private static var lineFeed: UInt8 { 0x0A }
    private static var carriageReturn: UInt8 { 0x0D }
    private static var space: UInt8 { 0x20 }
    private static var tab: UInt8 { 0x09 }

    /// Reads `bytes`, which must outlive the reader, with `delimiter` between
    /// fields.
    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: Character) {
        self.bytes = bytes
        self.delimiter = Array(String(delimiter).utf8)
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        position = bytes.starts(with: byteOrderMark) ? byteOrderMark.count : 0
    }

    /// Calls `body` with the bytes of `field`.
    func withText<R>(_ field: CSVField, _ body: (UnsafeBufferPointer<UInt8>) throws(DataError) -> R) throws(DataError) -> R {
        guard field.isUnquotedCopy else { return try body(UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])) }
        return try unquoted.withUnsafeBufferPointer { copy throws(DataError) in
            try body(UnsafeBufferPointer(rebasing: copy[field.start..<field.end]))
        }
    }

    /// Puts the next record's fields in `fields` (emptied first) and returns
    /// the line it starts on; nil after the last record.
    mutating func next(into fields: inout [CSVField]) throws(CSVSyntaxError) -> Int? {
        fields.removeAll(keepingCapacity: true)
        unquoted.removeAll(keepingCapacity: true)
        guard position < bytes.count else { return nil }
        let first = line
        while true {
            skipBlanks()
            if position < bytes.count, bytes[position] == Self.quote {
                fields.append(try quotedField())
                skipBlanks()
                if position < bytes.count, !isDelimiter(at: position), !isLineBreak(bytes[position]) {
                    throw CSVSyntaxError(
                        line: line,
                        reason: "broken quoting: \(describe(at: position)) follows a closing quote; a quoted field ends at its quote")
                }
            } else {
                let start = position
                while position < bytes.count, !isLineBreak(bytes[position]), !isDelimiter(at: position) {
                    if bytes[position] == Self.quote {
                        throw CSVSyntaxError(line: line, reason: "broken quoting: a quote inside an unquoted field; quote the whole field")
                    }
                    if bytes[position] == 0 { throw Self.nulByte(line: line) }
                    position += 1
                }
                fields.append(CSVField(start: start, end: position, isUnquotedCopy: false))
            }
            if position == bytes.count { return first }
            if isDelimiter(at: position) {
                position += delimiter.count
                continue
            }
            skipLineBreak()
            return first
        }
    }

    /// The field from its opening quote, at `position`, to its closing one.
    private mutating func quotedField() throws(CSVSyntaxError) -> CSVField {
        let opened = line, start = unquoted.count
        position += 1
        var run = position
        while true {
            guard position < bytes.count else {
                throw CSVSyntaxError(line: opened, reason: "broken quoting: a quoted field opened on this line is never closed")
            }
            let byte = bytes[position]
            if byte == 0 { throw Self.nulByte(line: line) }
            if byte == Self.quote {
                unquoted.append(contentsOf: bytes[run..<position])
                position += 1
                guard position < bytes.count, bytes[position] == Self.quote else { break }
                unquoted.append(Self.quote)
                position += 1
                run = position
                continue
            }
            // CR LF counts once, at its LF.
            if byte == Self.lineFeed || (byte == Self.carriageReturn && !(position + 1 < bytes.count && bytes[position + 1] == Self.lineFeed)) {
                line += 1
            }
            position += 1
        }
        return CSVField(start: start, end: unquoted.count, isUnquotedCopy: true)
    }

    private static func nulByte(line: Int) -> CSVSyntaxError {
        CSVSyntaxError(line: line, reason: "holds a NUL byte: not a text table")
    }

    /// Past spaces and tabs, unless one of them is the delimiter.
    private mutating func skipBlanks() {
        while position < bytes.count, bytes[position] == Self.space || bytes[position] == Self.tab, !isDelimiter(at: position) {
            position += 1
        }
    }

    private func isLineBreak(_ byte: UInt8) -> Bool { byte == Self.lineFeed || byte == Self.carriageReturn }

    private func isDelimiter(at index: Int) -> Bool {
        if delimiter.count == 1 { return bytes[index] == delimiter[0] }
        return bytes[index...].starts(with: delimiter)
    }

    /// Past the LF, CR LF or CR at `position`.
    private mutating func skipLineBreak() {
        if bytes[position] == Self.carriageReturn, position + 1 < bytes.count, bytes[position + 1] == Self.lineFeed {
            position += 1
        }
        position += 1
        line += 1
    }

    /// `'x'` for the character at `index`, for messages.
    private func describe(at index: Int) -> String {
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'" + String(decoding: bytes[index..<end], as: UTF8.self) + "'"
    }
}
