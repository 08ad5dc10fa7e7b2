/// A fault in a data file, reported as one line that names the file, so a user
/// who points the tool at the wrong folder or a damaged download can see at once
/// which file to replace and why.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path exactly as the caller gave it, so the message matches what the
    /// user typed rather than a resolved form they never wrote.
    public let file: String

    /// The 1-based line of a text file (a CSV row) the fault is on, when the
    /// fault is in one line rather than in the whole file.
    public let line: Int?

    /// What is wrong with the file, phrased for a person rather than a program.
    public let reason: String

    /// Creates an error about `file`, or about one `line` of it.
    ///
    /// Public so that callers that validate data of their own (a CLI, a
    /// converter) can report faults in the same one-line shape.
    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `"<file>: <reason>"`, the shape compilers and Unix tools use, so editors
    /// and scripts already know how to read it; `"<file> line <n>: <reason>"`
    /// for a fault in one line.
    public var description: String {
        if let line { return "\(file) line \(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
