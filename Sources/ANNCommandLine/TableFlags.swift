import ANN
import ArgumentParser

extension Normalization: ExpressibleByArgument {}
extension CSVDataset.Header: ExpressibleByArgument {}

/// How `ann train` and `ann evaluate` read a CSV file's columns.
struct TableFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The CSV column with the class labels: a header name, or a 0-based index; a negative one counts from the end (--label-column=-1). Default: the last column.",
        valueName: "name|index"))
    var labelColumn: String?

    @Option(help: "Whether a CSV file's first line names its columns: auto (it does when a feature field there is not a number, or --label-column is a name), present or absent.")
    var header: CSVDataset.Header?

    @Option(help: "The CSV field separator: one character, or tab (default: ,).")
    var delimiter: String?

    /// The reading options these flags say, for a file whose labels are read as `labels`.
    func options(labels: ClassLabels) throws(UsageError) -> CSVDataset.Options {
        var options = CSVDataset.Options(header: header ?? .auto, labels: labels)
        if let labelColumn {
            options.labelColumn = Int(labelColumn).map { .index($0) } ?? .name(labelColumn)
        }
        switch delimiter {
        case nil: break
        case "tab"?, "\\t"?, "\t"?: options.delimiter = "\t"
        case let text? where text.count == 1 && text != "\"" && !text.contains(where: \.isNewline):
            options.delimiter = Character(text)
        case let text?:
            throw UsageError(flag: "--delimiter", reason: "must be one character other than a quote or a line break, or tab (got \"\(text)\")")
        }
        return options
    }

    /// The first of these flags given, for a message saying it needs a CSV file.
    var firstGiven: String? {
        if labelColumn != nil { return "--label-column" }
        if header != nil { return "--header" }
        if delimiter != nil { return "--delimiter" }
        return nil
    }
}
