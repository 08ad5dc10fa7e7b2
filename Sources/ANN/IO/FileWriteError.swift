/// A file could not be written; the target was left as it was.
public struct FileWriteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file that was to be written.
    public let path: String
    /// Why writing failed, usually the system's description of an `errno` value.
    public let reason: String

    /// Creates an error for the target `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "cannot write `path`: `reason`".
    public var description: String { "cannot write \(path): \(reason)" }
}
