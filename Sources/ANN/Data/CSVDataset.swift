import Foundation

/// Reads a classification table from a CSV file: one label column (by name
/// or index) and numeric features in every other column, the first line a
/// header or not. Every fault is reported with the file and line it is on.
///
/// The dialect: UTF-8, a leading byte order mark skipped; records end at
/// LF, CR LF or CR; a field that starts with `"` runs to the next lone `"`
/// (`""` inside stands for one quote; delimiters and line breaks inside are
/// text); spaces around a field are dropped. A quote inside an unquoted
/// field, a quoted field never closed, or a NUL byte is refused.
public enum CSVDataset {
    /// Which column holds the labels.
    public enum Column: Sendable, Equatable {
        /// The column with this header name.
        case name(String)
        /// The column at this 0-based index; a negative one counts from the
        /// end (-1 is the last column).
        case index(Int)
    }

    /// Whether the first line names the columns.
    public enum Header: String, Sendable, CaseIterable {
        /// A header when any of the first line's feature fields is not a
        /// number (always when the label column is given by name).
        case auto
        /// The first line is a header.
        case present
        /// The first line is data.
        case absent
    }

    /// How to read a file.
    public struct Options: Sendable, Equatable {
        /// The label column; the last column when nil.
        public var labelColumn: Column?
        public var header: Header
        /// The field separator: `,` by default; `;` and tab are common too.
        public var delimiter: Character
        /// How label fields become class indices.
        public var labels: ClassLabels

        public init(labelColumn: Column? = nil, header: Header = .auto, delimiter: Character = ",", labels: ClassLabels = .automatic) {
            self.labelColumn = labelColumn
            self.header = header
            self.delimiter = delimiter
            self.labels = labels
        }
    }

    /// Reads the CSV file at `path`.
    ///
    /// - Throws: ``DataError`` naming `path`, and the line for a fault in one
    ///   row: an empty file, an unknown label column, a row with the wrong
    ///   number of fields, a missing or non-numeric feature, a label that is
    ///   not a class of `options.labels`, or broken quoting.
    public static func read(at path: String, options: Options = Options()) throws(DataError) -> TabularDataset {
        let bytes: [UInt8]
        do throws(FileReadFailure) {
            bytes = try FileContents.read(path)
        } catch {
            throw DataError(file: path, reason: error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError(file: path, reason: "is not UTF-8 text")
        }
        return try parse(text, source: path, options: options)
    }

    /// Reads CSV text already in memory; `source` names it in errors.
    public static func parse(_ text: String, source: String, options: Options = Options()) throws(DataError) -> TabularDataset {
        var text = text
        // withUTF8 rethrows untyped errors: the result carries the typed one out.
        return try text.withUTF8 { bytes in
            Result { () throws(DataError) in try parse(bytes, source: source, options: options) }
        }.get()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, source: String, options: Options) throws(DataError) -> TabularDataset {
        guard !["\"", "\n", "\r", "\r\n"].contains(options.delimiter) else {
            throw DataError(file: source, reason: "cannot be split by \(options.delimiter.debugDescription): a delimiter may not be a quote or a line break")
        }
        var table = CSVTableBuilder(source: source, options: options)
        var reader = CSVRecordReader(bytes: bytes, delimiter: options.delimiter)
        var fields: [CSVField] = []
        while true {
            let line: Int?
            do throws(CSVSyntaxError) {
                line = try reader.next(into: &fields)
            } catch {
                throw DataError(file: source, line: error.line, reason: error.reason)
            }
            guard let line else { break }
            try table.add(fields, line: line, of: reader)
        }
        return try table.finish()
    }
}
